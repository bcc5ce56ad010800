"""Hole geometry: minimum curvature and sample splitting."""

from __future__ import annotations

import numpy as np

from mine2magnet.synthetic.drilling import _split, direction, min_curvature


def test_straight_inclined_hole() -> None:
    md = np.array([0.0, 50.0, 100.0, 150.0])
    p = min_curvature(np.array([0.0, 100.0]), np.array([90.0, 90.0]), np.array([-30.0, -30.0]), md)
    assert np.allclose(p[:, 0], md * np.cos(np.radians(30)))
    assert np.allclose(p[:, 1], 0.0, atol=1e-9)
    assert np.allclose(p[:, 2], -md * 0.5)


def test_arc_length_and_stations_are_consistent() -> None:
    st = np.array([0.0, 30.0, 61.0, 90.0])
    az = np.array([330.0, 332.5, 331.0, 334.0])
    dip = np.array([-60.0, -58.0, -57.5, -55.0])
    md = np.linspace(0.0, 90.0, 9001)
    p = min_curvature(st, az, dip, md)
    steps = np.linalg.norm(np.diff(p, axis=0), axis=1)
    assert abs(steps.sum() - 90.0) < 1e-4  # points lie on arcs of the right length
    at_st = min_curvature(st, az, dip, st)
    assert np.allclose(at_st, p[[0, 3000, 6100, 9000]])
    # direction of the chord of a tiny step equals the interpolated tangent at a station
    t = (p[3001] - p[2999]) / np.linalg.norm(p[3001] - p[2999])
    assert np.allclose(t, direction(az[1:2], dip[1:2])[0], atol=1e-4)


def test_split_breaks_at_lengths_and_merges_short_rests() -> None:
    assert _split(10.0, 14.4, 2.0) == [(10.0, 12.0), (12.0, 14.4)]
    assert _split(10.0, 15.2, 2.0) == [(10.0, 12.0), (12.0, 14.0), (14.0, 15.2)]
    assert _split(3.0, 3.7, 1.0) == [(3.0, 3.7)]
    assert _split(3.0, 3.2, 1.0) == []
