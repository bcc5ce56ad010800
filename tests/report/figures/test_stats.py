"""Histogram and log-probability figures from the estimation tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from mine2magnet.errors import DataError
from mine2magnet.report.figures import histogram, log_probability


@pytest.fixture
def hist() -> pd.DataFrame:
    lo = np.arange(0.0, 5.0, 0.5)
    count = np.array([1, 4, 9, 12, 8, 5, 3, 2, 1, 1])
    freq = count / count.sum()
    return pd.DataFrame(
        {"domain": "HG", "column": "TREO_pct", "bin_lower_pct": lo, "bin_upper_pct": lo + 0.5,
         "count": count, "frequency": freq, "cumulative": np.cumsum(freq)}
    )  # fmt: skip


@pytest.fixture
def logprob() -> pd.DataFrame:
    n = 3000
    values = np.sort(np.exp(np.random.default_rng(3).normal(0.0, 0.6, n)))
    values[0] = 0.0  # a zero cannot go on a log axis
    cum = 100.0 * (np.arange(1, n + 1) - 0.5) / n
    return pd.DataFrame(
        {"domain": "LG", "column": "TREO_pct", "value_pct": values, "cumulative_pct": cum,
         "normal_quantile": norm.ppf(cum / 100.0)}
    )  # fmt: skip


def test_histogram(hist, svgtools):
    before = svgtools.fingerprint(hist)
    fig = histogram(hist, "HG", "TREO_pct", synthetic=True)
    assert svgtools.fingerprint(hist) == before
    texts = svgtools.texts(fig.svg)
    assert fig.title == "Histogram of TREO [%] composites, domain HG"
    assert fig.title in texts
    assert "frequency [% of composites]" in texts and "cumulative frequency [%]" in texts
    assert "n = 46" in texts  # legend title: the composite count
    assert "SYNTHETIC data" in texts and "SYNTHETIC data" in fig.caption
    assert fig.id == "histogram-hg-treo-pct"
    assert "46 composites" in fig.caption


def test_histogram_unknown_domain_lists_choices(hist):
    with pytest.raises(DataError, match="HG"):
        histogram(hist, "XX", "TREO_pct")


def test_log_probability(logprob, svgtools):
    fig = log_probability(logprob, "LG", "TREO_pct")
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts
    assert "cumulative probability [%]" in texts
    # probability axis labelled in % (normal scores never shown)
    assert {"1", "50", "99"} <= set(texts)
    assert "1 values ≤ 0 left out" in fig.caption
    assert "points drawn" in fig.caption  # thinned for display, and said so
    assert not any("mathdefault" in t for t in texts)  # plain tick labels on the log axis


def test_demo_store_stats(demo_table, svgtools):
    h = demo_table("estimation__histograms")
    lp = demo_table("estimation__log_probability")
    for domain in ("HG", "LG"):
        for fig in (histogram(h, domain, "TREO_pct"), log_probability(lp, domain, "TREO_pct")):
            assert fig.title in svgtools.texts(fig.svg)
            assert len(fig.svg) < 400_000
