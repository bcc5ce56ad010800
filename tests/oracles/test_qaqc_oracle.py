"""Oracle: duplicate statistics against independent formulas, scipy and sampling theory.

Sources
-------
* HARD = ½·|a − b| / ((a + b)/2) — the half absolute relative difference as used in mining
  QA/QC (e.g. Abzalov 2008, Exploration and Mining Geology 17, 131–144).
* CV_avg = sqrt(mean(CV_i²)) with CV_i = s_i / m_i of each pair (sample SD, n − 1), the
  root-mean-square estimator of Stanley & Lawie 2007 (Exploration and Mining Geology 16,
  265–274); Abzalov 2008 writes it in closed form as 100·sqrt((2/N)·Σ(a − b)²/(a + b)²).
* RMA slope = s_y / s_x with the sign of r (Kermack & Haldane 1950; S. Long, "Method of
  reduction-to-major-axis", AMEC note), equal to the geometric mean of the OLS slope of y
  on x and the inverse OLS slope of x on y — computed here with scipy.stats.linregress.
* With multiplicative Gaussian errors of relative SD σ on both members of a pair,
  a − b ≈ t·(ε₁ − ε₂) with ε₁ − ε₂ ~ N(0, 2σ²), so HARD ≈ |ε₁ − ε₂|/2 and
  P(HARD ≤ L) = P(|Z| ≤ √2·L/σ); E[CV_i²] = σ² so CV_avg → σ.

No complete published numeric worked example of HARD or CV_avg was retrievable for this
suite; the sampling-theory checks stand in for it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mine2magnet.drillholes.qaqc import (
    crm_check,
    cv_avg_pct,
    duplicate_check,
    hard_pct,
    pair_cv_pct,
    rma_fit,
)


def _pairs(n=400, sigma=0.1, seed=20260101):
    rng = np.random.default_rng(seed)
    true = rng.lognormal(mean=0.0, sigma=0.8, size=n)  # TREO-like grades [%]
    a = true * (1 + sigma * rng.standard_normal(n))
    b = true * (1 + sigma * rng.standard_normal(n))
    return np.clip(a, 1e-6, None), np.clip(b, 1e-6, None)


def _tables(a, b, qc_type="field_duplicate"):
    n = len(a)
    assays = pd.DataFrame(
        {"sample_id": [f"P{i}" for i in range(n)], "row": 2 * np.arange(n), "TREO_pct": a}
    )
    qaqc = pd.DataFrame(
        {
            "sample_id": [f"D{i}" for i in range(n)],
            "qc_type": qc_type,
            "parent_sample_id": [f"P{i}" for i in range(n)],
            "row": 2 * np.arange(n) + 1,
            "TREO_pct": b,
        }
    )
    return qaqc, assays


def test_hard_matches_direct_definition():
    a, b = _pairs()
    direct = np.array([0.5 * abs(x - y) / ((x + y) / 2) * 100 for x, y in zip(a, b, strict=True)])
    np.testing.assert_allclose(hard_pct(a, b), direct, rtol=1e-12)


def test_pair_cv_matches_sample_sd_over_mean():
    a, b = _pairs()
    pairs = np.column_stack([a, b])
    direct = 100 * pairs.std(axis=1, ddof=1) / pairs.mean(axis=1)
    np.testing.assert_allclose(pair_cv_pct(a, b), direct, rtol=1e-12)
    rms = math.sqrt(float(np.mean(direct**2)))
    assert cv_avg_pct(a, b) == pytest.approx(rms, rel=1e-12)
    closed = 100 * math.sqrt(2 / len(a) * float(np.sum((a - b) ** 2 / (a + b) ** 2)))
    assert cv_avg_pct(a, b) == pytest.approx(closed, rel=1e-12)


def test_correlation_and_rma_match_scipy():
    a, b = _pairs()
    qaqc, assays = _tables(a, b)
    s = duplicate_check(qaqc, assays).summary.iloc[0]
    assert s["correlation"] == pytest.approx(stats.pearsonr(a, b).statistic, rel=1e-12)
    b_yx = stats.linregress(a, b).slope
    b_xy = stats.linregress(b, a).slope
    slope = math.copysign(math.sqrt(b_yx / b_xy), b_yx)
    assert s["rma_slope"] == pytest.approx(slope, rel=1e-10)
    assert s["rma_intercept"] == pytest.approx(b.mean() - slope * a.mean(), rel=1e-10, abs=1e-12)
    assert rma_fit(a, b) == pytest.approx((s["rma_slope"], s["rma_intercept"]))


def test_negative_relationship_gives_negative_rma_slope():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([4.1, 2.9, 2.2, 0.8])
    b_yx = stats.linregress(x, y).slope
    b_xy = stats.linregress(y, x).slope
    assert rma_fit(x, y)[0] == pytest.approx(-math.sqrt(b_yx / b_xy))


@pytest.mark.parametrize(("sigma", "limit"), [(0.05, 10.0), (0.10, 10.0), (0.10, 20.0)])
def test_duplicate_statistics_recover_simulated_relative_error(sigma, limit):
    a, b = _pairs(n=40_000, sigma=sigma, seed=7)
    qaqc, assays = _tables(a, b, "lab_duplicate")
    s = duplicate_check(qaqc, assays, lab_hard_limit_pct=limit).summary.iloc[0]
    assert s["cv_avg_pct"] == pytest.approx(100 * sigma, rel=0.03)
    # median HARD ~ median|eps1 - eps2| / 2 = 0.67449 * sqrt(2) * sigma / 2
    assert s["median_hard_pct"] == pytest.approx(100 * 0.67449 * sigma / math.sqrt(2), rel=0.04)
    share = 2 * stats.norm.cdf(math.sqrt(2) * (limit / 100) / sigma) - 1
    assert s["pct_within_limit"] == pytest.approx(100 * share, abs=1.0)
    assert s["passes"] == (s["pct_within_limit"] >= 90.0)


def test_crm_z_scores_and_bias_match_direct_formulas():
    rng = np.random.default_rng(11)
    vals = rng.normal(2.05, 0.1, size=200)
    q = pd.DataFrame(
        {
            "sample_id": [f"C{i}" for i in range(200)],
            "qc_type": "crm",
            "standard_id": "REE-1",
            "row": np.arange(200),
            "TREO_pct": vals,
        }
    )
    std = pd.DataFrame(
        {"standard_id": ["REE-1"], "column": ["TREO_pct"], "expected": [2.0], "sd": [0.1]}
    )
    res = crm_check(q, std)
    np.testing.assert_allclose(res.results["z_score"], (vals - 2.0) / 0.1, rtol=1e-12)
    s = res.summary.iloc[0]
    assert s["bias_pct"] == pytest.approx((vals.mean() / 2.0 - 1) * 100, rel=1e-12)
    assert s["observed_sd"] == pytest.approx(stats.tstd(vals), rel=1e-12)
    assert s["n_outside_2sd"] == int(np.sum(np.abs(vals - 2.0) > 0.2))
