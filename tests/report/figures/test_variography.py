"""Variogram panels: directions, pair counts, model curve and sill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mine2magnet.report.figures import variogram_plot


@pytest.fixture
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, curves = [], []
    for direction, az, dip, rng in (("major", 60.0, 0.0, 100.0), ("minor", 330.0, -40.0, 30.0),
                                    ("downhole", np.nan, np.nan, 20.0)):  # fmt: skip
        for n, lag in enumerate(np.linspace(5, rng * 1.4, 8)):
            g = 0.5 + 4.0 * min(1.0, lag / rng)
            rows.append({"domain": "HG", "column": "TREO_pct", "direction": direction,
                         "azimuth_deg": az, "dip_deg": dip, "lag_m": lag, "gamma_pct2": g,
                         "n_pairs": 10 + 1000 * n})  # fmt: skip
        if direction != "downhole":
            for lag in np.linspace(0, rng * 1.5, 30):
                h = min(1.0, lag / rng)
                sph = 1.5 * h - 0.5 * h**3
                curves.append({"domain": "HG", "column": "TREO_pct", "direction": direction,
                               "lag_m": lag, "gamma_pct2": 0.5 + 4.0 * sph})  # fmt: skip
    return pd.DataFrame(rows), pd.DataFrame(curves)


def test_variogram_panels(tables, svgtools):
    ex, cv = tables
    before = svgtools.fingerprint(ex), svgtools.fingerprint(cv)
    fig = variogram_plot(ex, cv, "HG", "TREO_pct", synthetic=True)
    assert (svgtools.fingerprint(ex), svgtools.fingerprint(cv)) == before
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts
    assert "major (azimuth 60°, dip 0°)" in texts
    assert "minor (azimuth 330°, dip -40°)" in texts
    assert "downhole" in texts
    assert "lag distance [m]" in texts and "γ(h) [%²]" in texts
    assert "10" in texts and "7,010" in texts  # pair counts printed
    assert "< 30 pairs" in texts  # the 10-pair points are hollow and say so
    assert "total sill 4.5 %²" in fig.caption  # default: the model's plateau
    assert fig.id == "variogram-hg-treo-pct"


def test_explicit_sill(tables):
    ex, _ = tables
    fig = variogram_plot(ex, None, "HG", "TREO_pct", sill_pct2=3.25)
    assert "total sill 3.25 %²" in fig.caption


def test_demo_store_variogram(demo_table, svgtools):
    ex = demo_table("estimation__variogram_experimental")
    cv = demo_table("estimation__variogram_model_curves")
    fig = variogram_plot(ex, cv, "LG", "TREO_pct")
    texts = svgtools.texts(fig.svg)
    assert fig.title in texts and any(t.startswith("semi-major") for t in texts)
