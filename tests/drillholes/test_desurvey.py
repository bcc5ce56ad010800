"""Unit and property tests of mine2magnet.drillholes.desurvey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mine2magnet.drillholes.desurvey import (
    DESURVEY_METHODS,
    desurvey_depths,
    desurvey_intervals,
    survey_status,
)
from mine2magnet.errors import ConfigError, DataError

MM = 1e-3


def _collars(*holes: tuple[str, float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(holes, columns=["hole_id", "easting", "northing", "elevation"])


def _surveys(*rows: tuple[str, float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["hole_id", "depth_m", "azimuth_deg", "dip_deg"])


def _unit(az: float, dip: float) -> np.ndarray:
    a, d = np.radians(az), np.radians(dip)
    return np.array([np.cos(d) * np.sin(a), np.cos(d) * np.cos(a), np.sin(d)])


BENT = _surveys(("A", 0.0, 0.0, -80.0), ("A", 50.0, 40.0, -60.0), ("A", 100.0, 80.0, -45.0))
COLLARS = _collars(("A", 100.0, 200.0, 300.0), ("B", 0.0, 0.0, 50.0), ("C", 5.0, 5.0, 5.0))


def test_no_survey_is_vertical_and_reported() -> None:
    xyz = desurvey_depths(COLLARS, BENT, ["B", "B"], [0.0, 30.0])
    np.testing.assert_allclose(xyz, [[0, 0, 50], [0, 0, 20]], atol=1e-12)
    status = survey_status(COLLARS, BENT).set_index("hole_id")
    assert status.loc["A", "status"] == "surveyed"
    assert status.loc["B", "status"] == "no_survey_vertical"
    assert status.loc["B", "n_surveys"] == 0


def test_single_survey_is_straight_from_collar() -> None:
    surveys = _surveys(("C", 20.0, 45.0, -30.0))
    xyz = desurvey_depths(COLLARS, surveys, ["C"] * 3, [0.0, 20.0, 60.0])
    t = _unit(45.0, -30.0)
    np.testing.assert_allclose(xyz, np.array([5.0, 5.0, 5.0]) + np.outer([0, 20, 60], t))
    assert survey_status(COLLARS, surveys).set_index("hole_id").loc["C", "status"] == (
        "single_survey"
    )


@pytest.mark.parametrize("method", DESURVEY_METHODS)
def test_above_first_and_below_last_station_are_straight(method: str) -> None:
    surveys = _surveys(("A", 10.0, 0.0, -80.0), ("A", 50.0, 40.0, -60.0))
    xyz = desurvey_depths(COLLARS, surveys, ["A"] * 4, [0.0, 10.0, 50.0, 80.0], method)
    collar = np.array([100.0, 200.0, 300.0])
    np.testing.assert_allclose(xyz[0], collar, atol=1e-9)
    np.testing.assert_allclose(xyz[1], collar + 10.0 * _unit(0.0, -80.0), atol=1e-9)
    np.testing.assert_allclose(xyz[3], xyz[2] + 30.0 * _unit(40.0, -60.0), atol=1e-9)


@pytest.mark.parametrize("method", DESURVEY_METHODS)
def test_path_is_continuous_and_keeps_its_length(method: str) -> None:
    depth = np.linspace(0.0, 130.0, 13001)
    xyz = desurvey_depths(COLLARS, BENT, ["A"] * depth.size, depth, method)
    steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    assert steps.max() <= 0.01 + 1e-9  # continuous, never longer than the depth step
    assert abs(steps.sum() - 130.0) < 1e-6  # measured depth is path length (arc or legs)


def test_minimum_curvature_chord_and_ratio_factor() -> None:
    xyz = desurvey_depths(COLLARS, BENT, ["A", "A"], [0.0, 50.0])
    t1, t2 = _unit(0.0, -80.0), _unit(40.0, -60.0)
    beta = np.arccos(t1 @ t2)
    rf = 2.0 / beta * np.tan(beta / 2.0)
    np.testing.assert_allclose(xyz[1] - xyz[0], 25.0 * rf * (t1 + t2), atol=1e-9)


@pytest.mark.parametrize("beta", [0.0, 1e-14, 1e-10, 1e-7, 1e-4])
def test_tiny_doglegs_are_stable(beta: float) -> None:
    """RF → 1 without 0/0: positions stay within round-off of the straight/arc limit."""
    dip2 = -60.0 + np.degrees(beta)
    surveys = _surveys(("A", 0.0, 90.0, -60.0), ("A", 100.0, 90.0, dip2))
    depth = np.array([0.0, 25.0, 50.0, 100.0])
    xyz = desurvey_depths(COLLARS, surveys, ["A"] * 4, depth)
    assert np.isfinite(xyz).all()
    t1, t2 = _unit(90.0, -60.0), _unit(90.0, dip2)
    # second-order expansion of the arc: s t1 + s²/(2L) (t2 − t1)
    expected = np.array([100.0, 200.0, 300.0]) + np.outer(depth, t1)
    expected += np.outer(depth**2 / 200.0, t2 - t1)
    np.testing.assert_allclose(xyz, expected, atol=1e-9)


def test_reversal_falls_back_without_nan() -> None:
    surveys = _surveys(("A", 0.0, 0.0, -90.0), ("A", 10.0, 0.0, 90.0))
    xyz = desurvey_depths(COLLARS, surveys, ["A"] * 3, [0.0, 5.0, 10.0])
    assert np.isfinite(xyz).all()


def test_order_of_rows_does_not_matter() -> None:
    surveys = pd.concat([BENT, _surveys(("C", 0.0, 10.0, -50.0), ("C", 40.0, 30.0, -70.0))])
    ids = np.array(["A", "C", "B", "A", "C"])
    depth = np.array([75.0, 20.0, 10.0, 5.0, 60.0])
    ref = desurvey_depths(COLLARS, surveys, ids, depth)
    shuffled = surveys.sample(frac=1.0, random_state=3)
    collars = COLLARS.iloc[::-1].reset_index(drop=True)
    np.testing.assert_array_equal(desurvey_depths(collars, shuffled, ids, depth), ref)
    one = [desurvey_depths(COLLARS, surveys, [h], [d])[0] for h, d in zip(ids, depth, strict=True)]
    np.testing.assert_allclose(np.array(one), ref, atol=1e-12)


def test_nan_depth_gives_nan() -> None:
    xyz = desurvey_depths(COLLARS, BENT, ["A", "A"], [np.nan, 10.0])
    assert np.isnan(xyz[0]).all() and np.isfinite(xyz[1]).all()


def test_errors_name_the_problem() -> None:
    with pytest.raises(DataError, match=r"no collar.*ZZ"):
        desurvey_depths(COLLARS, BENT, ["ZZ"], [1.0])
    with pytest.raises(DataError, match="dip_deg"):
        desurvey_depths(COLLARS, BENT.drop(columns="dip_deg"), ["A"], [1.0])
    with pytest.raises(DataError, match="duplicate hole"):
        desurvey_depths(pd.concat([COLLARS, COLLARS]), BENT, ["A"], [1.0])
    with pytest.raises(ConfigError, match=r"desurvey\.method"):
        desurvey_depths(COLLARS, BENT, ["A"], [1.0], method="radius_of_curvature")


def test_unusable_survey_rows_are_ignored() -> None:
    surveys = pd.concat([BENT, _surveys(("A", 70.0, np.nan, -50.0), ("NOCOLLAR", 0.0, 0.0, -45.0))])
    np.testing.assert_array_equal(
        desurvey_depths(COLLARS, surveys, ["A"], [90.0]),
        desurvey_depths(COLLARS, BENT, ["A"], [90.0]),
    )


def test_desurvey_intervals_mid_point_on_the_path() -> None:
    iv = pd.DataFrame(
        {"hole_id": ["A", "B"], "from_m": [20.0, 0.0], "to_m": [80.0, 2.0], "x": [1, 2]},
        index=[10, 11],
    )
    out = desurvey_intervals(COLLARS, BENT, iv)
    assert list(out.index) == [10, 11]
    assert list(out.columns[:4]) == ["hole_id", "from_m", "to_m", "x"]
    for c in ("easting", "northing", "elevation"):
        for suffix in ("", "_from", "_to"):
            assert c + suffix in out.columns
    mid = desurvey_depths(COLLARS, BENT, ["A"], [50.0])[0]
    np.testing.assert_allclose(out.loc[10, ["easting", "northing", "elevation"]], mid)
    ends = out.loc[10, ["easting_from", "northing_from", "elevation_from"]].to_numpy(float)
    ends = ends + out.loc[10, ["easting_to", "northing_to", "elevation_to"]].to_numpy(float)
    assert np.linalg.norm(ends / 2.0 - mid) > 0.1  # curved: not the average of the ends
    assert out.loc[11, "elevation"] == pytest.approx(49.0)


def test_inputs_are_not_mutated() -> None:
    iv = pd.DataFrame({"hole_id": ["A"], "from_m": [1.0], "to_m": [2.0]})
    frames = (COLLARS, BENT, iv)
    before = [pd.util.hash_pandas_object(f, index=True).sum() for f in frames]
    cols = [list(f.columns) for f in frames]
    desurvey_intervals(COLLARS, BENT, iv)
    desurvey_depths(COLLARS, BENT, iv["hole_id"], iv["from_m"])
    survey_status(COLLARS, BENT)
    assert [pd.util.hash_pandas_object(f, index=True).sum() for f in frames] == before
    assert [list(f.columns) for f in frames] == cols


def test_many_holes_match_one_by_one() -> None:
    rng = np.random.default_rng(11)
    n_holes = 40
    holes = [f"H{i:03d}" for i in range(n_holes)]
    collars = pd.DataFrame(
        {
            "hole_id": holes,
            "easting": rng.uniform(0, 1000, n_holes),
            "northing": rng.uniform(0, 1000, n_holes),
            "elevation": rng.uniform(100, 200, n_holes),
        }
    )
    rows = []
    for h in holes[:-5]:  # the last five have no survey
        for k in range(rng.integers(1, 8)):
            rows.append((h, 15.0 * k, rng.uniform(0, 360), rng.uniform(-89, -40)))
    surveys = _surveys(*rows)
    ids = rng.choice(holes, 500)
    depth = rng.uniform(0, 150, 500)
    for method in DESURVEY_METHODS:
        together = desurvey_depths(collars, surveys, ids, depth, method)
        for h in holes[::7]:
            sel = ids == h
            alone = desurvey_depths(
                collars[collars.hole_id == h], surveys[surveys.hole_id == h], ids[sel],
                depth[sel], method,
            )  # fmt: skip
            np.testing.assert_allclose(together[sel], alone, atol=1e-12)


angles = st.tuples(st.floats(0.0, 359.9), st.floats(-89.9, -0.5))


@settings(max_examples=60, deadline=None)
@given(st.lists(angles, min_size=2, max_size=6), st.floats(1.0, 40.0))
def test_property_chords_never_exceed_courses(stations, spacing) -> None:
    surveys = _surveys(*[("A", i * spacing, az, dip) for i, (az, dip) in enumerate(stations)])
    depth = np.arange(len(stations)) * spacing
    for method in DESURVEY_METHODS:
        xyz = desurvey_depths(COLLARS, surveys, ["A"] * depth.size, depth, method)
        chords = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
        assert np.all(chords <= spacing + 1e-9)
    # minimum curvature: a point a quarter of the way is the same distance from both ends
    # of its course as the arc geometry predicts (chord of an arc of angle θ is 2R sin(θ/2))
    t = np.array([_unit(a, d) for a, d in stations])
    beta = np.arccos(np.clip(np.sum(t[:-1] * t[1:], axis=1), -1, 1))
    q = depth[:-1] + 0.25 * spacing
    p0 = desurvey_depths(COLLARS, surveys, ["A"] * q.size, depth[:-1])
    pq = desurvey_depths(COLLARS, surveys, ["A"] * q.size, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(
            beta > 1e-6, 2.0 * spacing / beta * np.sin(0.25 * beta / 2.0), 0.25 * spacing
        )
    ok = beta < np.pi - 1e-3
    np.testing.assert_allclose(np.linalg.norm(pq - p0, axis=1)[ok], expected[ok], atol=1e-6)
