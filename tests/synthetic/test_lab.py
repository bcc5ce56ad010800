"""Laboratory rounding and text, as in a real certificate."""

from __future__ import annotations

import numpy as np

from mine2magnet.chemistry import REE
from mine2magnet.synthetic.lab import ANALYTES, format_values, lab_round


def test_lab_round_three_significant_figures_and_detection_limit() -> None:
    x = np.array([12345.6, 999.6, 12.34, 1.234, 0.4, 0.6])
    r = lab_round(x, "ppm", 0.5)
    assert r[:4].tolist() == [12300.0, 1000.0, 12.3, 1.2]
    assert np.isnan(r[4]) and r[5] == 0.6
    assert format_values(r, "ppm", 0.5) == ["12300", "1000", "12.3", "1.2", "<0.5", "0.6"]


def test_percent_two_decimals() -> None:
    r = lab_round(np.array([35.456, 0.004, 0.0149]), "pct", 0.01)
    assert format_values(r, "pct", 0.01) == ["35.46", "<0.01", "0.01"]


def test_integer_detection_limit_gives_integers() -> None:
    r = lab_round(np.array([27.4, 1.4, 0.7]), "ppm", 1.0)
    assert format_values(r, "ppm", 1.0) == ["27", "1", "<1"]


def test_analytes_cover_the_brief() -> None:
    cols = [a.column for a in ANALYTES]
    assert cols[:15] == [f"{e}_ppm" for e in REE]
    assert {"Th_ppm", "U_ppm", "CaF2_pct", "BaSO4_pct", "Fe2O3_pct"} <= set(cols)
