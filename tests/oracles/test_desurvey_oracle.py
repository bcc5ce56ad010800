"""Desurvey against exact trigonometry, a published example and an independent arc model.

Every check is to 1 mm unless the source rounds more coarsely (then to half its last
digit, stated at the check).
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mine2magnet.drillholes.desurvey import desurvey_depths

MM = 1e-3  # [m]
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _collar(hole: str = "H", e: float = 0.0, n: float = 0.0, z: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"hole_id": [hole], "easting": [e], "northing": [n], "elevation": [z]})


def _surveys(hole: str, rows: list[tuple[float, float, float]]) -> pd.DataFrame:
    """Rows of (depth_m, azimuth_deg, dip_deg) for one hole."""
    depth, az, dip = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame(
        {"hole_id": [hole] * len(rows), "depth_m": depth, "azimuth_deg": az, "dip_deg": dip}
    )


# ---------------------------------------------------------------- (a) exact trigonometry


@pytest.mark.parametrize("method", ["minimum_curvature", "tangential", "balanced_tangential"])
def test_vertical_hole_is_exact(method: str) -> None:
    collars = _collar(e=500.0, n=1000.0, z=250.0)
    surveys = _surveys("H", [(0.0, 123.0, -90.0), (50.0, 0.0, -90.0), (100.0, 270.0, -90.0)])
    depth = np.array([0.0, 12.5, 50.0, 77.7, 100.0, 130.0])
    xyz = desurvey_depths(collars, surveys, ["H"] * depth.size, depth, method)
    expected = np.column_stack((np.full(6, 500.0), np.full(6, 1000.0), 250.0 - depth))
    np.testing.assert_allclose(xyz, expected, atol=MM, rtol=0)


@pytest.mark.parametrize("method", ["minimum_curvature", "tangential", "balanced_tangential"])
@pytest.mark.parametrize(("azimuth", "dip"), [(0.0, -60.0), (135.0, -45.0), (250.0, -72.5)])
def test_straight_inclined_hole_is_exact(method: str, azimuth: float, dip: float) -> None:
    collars = _collar(e=10.0, n=20.0, z=300.0)
    surveys = _surveys("H", [(0.0, azimuth, dip), (40.0, azimuth, dip), (90.0, azimuth, dip)])
    depth = np.array([5.0, 40.0, 63.2, 90.0, 120.0])
    xyz = desurvey_depths(collars, surveys, ["H"] * depth.size, depth, method)
    a, d = math.radians(azimuth), math.radians(dip)
    horizontal = depth * math.cos(d)
    expected = np.column_stack(
        (
            10.0 + horizontal * math.sin(a),
            20.0 + horizontal * math.cos(a),
            300.0 + depth * math.sin(d),
        )
    )
    np.testing.assert_allclose(xyz, expected, atol=MM, rtol=0)


def test_sixty_degree_hole_textbook_values() -> None:
    """A hole dipping 60° east: 100 m along hole is 50 m east and 86.603 m down."""
    xyz = desurvey_depths(_collar(), _surveys("H", [(0.0, 90.0, -60.0)]), ["H"], [100.0])
    np.testing.assert_allclose(xyz[0], [50.0, 0.0, -86.60254], atol=MM, rtol=0)


# ---------------------------------------------------------------- (b) published example

# Two-station example of the minimum curvature, balanced tangential and tangential methods
# from DrillingFormulas.com, "Minimum Curvature Method", "Balanced Tangential Method
# Calculation" and "Tangential Method Calculation" (reference book: W. C. Lyons,
# "Formulas and Calculations for Drilling, Production and Workover", 2nd ed.):
# https://www.drillingformulas.com/minimum-curvature-method/
# Survey 1 at 3500 ft, inclination 15°, azimuth 20°; survey 2 at 3600 ft, inclination 25°,
# azimuth 45°. Stated results (feet, rounded to 0.01):
#   minimum curvature:    dogleg 0.22605 rad = 12.95°, North 27.22, East 19.45, TVD 94.01
#   balanced tangential:  North 27.10, East 19.37, TVD 93.61
#   tangential:           North 29.88, East 29.88, TVD 90.63
# The page prints the ratio factor as 1.00408, a typo for 1.00428: 2/β·tan(β/2) with its
# own β = 0.22605 gives 1.004280, and only 1.00428 reproduces its North/East/TVD.
# Desurvey is unit-free, so feet go in and come out. Inclination i from vertical is
# dip = −(90 − i) in our convention (negative down).
PUBLISHED = {
    "minimum_curvature": (27.22, 19.45, 94.01),
    "balanced_tangential": (27.10, 19.37, 93.61),
    "tangential": (29.88, 29.88, 90.63),
}


@pytest.mark.parametrize("method", sorted(PUBLISHED))
def test_published_two_station_example(method: str) -> None:
    surveys = _surveys("W", [(3500.0, 20.0, -(90.0 - 15.0)), (3600.0, 45.0, -(90.0 - 25.0))])
    xyz = desurvey_depths(_collar("W"), surveys, ["W", "W"], [3500.0, 3600.0], method)
    east, north, up = xyz[1] - xyz[0]
    pub_north, pub_east, pub_tvd = PUBLISHED[method]
    half_digit = 0.005  # [ft] the source rounds to 0.01 ft
    assert abs(north - pub_north) <= half_digit
    assert abs(east - pub_east) <= half_digit
    assert abs(-up - pub_tvd) <= half_digit


def test_published_dogleg_and_ratio_factor() -> None:
    i1, i2, a1, a2 = map(math.radians, (15.0, 25.0, 20.0, 45.0))
    cos_dl = math.cos(i2 - i1) - math.sin(i1) * math.sin(i2) * (1.0 - math.cos(a2 - a1))
    dl = math.acos(cos_dl)
    assert abs(dl - 0.22605) <= 0.000005
    assert abs(math.degrees(dl) - 12.95) <= 0.005
    assert abs(2.0 / dl * math.tan(dl / 2.0) - 1.00428) <= 0.000005


# ---------------------------------------------------------------- (c) independent arc model


def _unit(azimuth_deg: float, dip_deg: float) -> tuple[float, float, float]:
    a, d = math.radians(azimuth_deg), math.radians(dip_deg)
    return (math.cos(d) * math.sin(a), math.cos(d) * math.cos(a), math.sin(d))


def _cross(u, v):
    return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])


def _dot(u, v) -> float:
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]


def _arc_point(p1, t1, t2, course: float, s: float):
    """Point ``s`` metres along the circular arc leaving ``p1`` along ``t1`` and arriving
    along ``t2`` after ``course`` metres, by rotating ``p1`` about the arc centre.

    Geometry only (no ratio factor): the bend axis is k = t1 × t2 / |t1 × t2|, the dogleg
    β = angle(t1, t2), the radius R = course/β, the centre c = p1 + R (k × t1), and the
    point is p1 rotated about the axis (c, k) by θ = s/R (Rodrigues' rotation formula).
    """
    axis = _cross(t1, t2)
    norm = math.sqrt(_dot(axis, axis))
    if norm < 1e-12:  # no bend: a straight line
        return tuple(p1[i] + s * t1[i] for i in range(3))
    k = tuple(c / norm for c in axis)
    beta = math.acos(max(-1.0, min(1.0, _dot(t1, t2))))
    radius = course / beta
    towards_centre = _cross(k, t1)
    centre = tuple(p1[i] + radius * towards_centre[i] for i in range(3))
    v = tuple(p1[i] - centre[i] for i in range(3))
    theta = s / radius
    kxv = _cross(k, v)
    kdv = _dot(k, v)
    c, sn = math.cos(theta), math.sin(theta)
    return tuple(centre[i] + v[i] * c + kxv[i] * sn + k[i] * kdv * (1.0 - c) for i in range(3))


def _independent_position(collar, stations, depth: float):
    """Scalar walk down one hole: stations are (depth, azimuth, dip) sorted by depth."""
    d0, az0, dip0 = stations[0]
    t0 = _unit(az0, dip0)
    p = tuple(collar[i] + d0 * t0[i] for i in range(3))
    if depth <= d0:
        return tuple(p[i] + (depth - d0) * t0[i] for i in range(3))
    for (da, aza, dipa), (db, azb, dipb) in pairwise(stations):
        ta, tb = _unit(aza, dipa), _unit(azb, dipb)
        if depth <= db:
            return _arc_point(p, ta, tb, db - da, depth - da)
        p = _arc_point(p, ta, tb, db - da, db - da)
    dl, azl, dipl = stations[-1]
    tl = _unit(azl, dipl)
    return tuple(p[i] + (depth - dl) * tl[i] for i in range(3))


CURVED = [(0.0, 10.0, -85.0), (30.0, 25.0, -70.0), (75.0, 60.0, -55.0), (120.0, 95.0, -62.0),
          (150.0, 140.0, -48.0), (200.0, 175.0, -30.0)]  # fmt: skip


def test_curved_hole_matches_independent_arc_rotation() -> None:
    collar = (1000.0, 2000.0, 500.0)
    collars = _collar("C", *collar)
    surveys = _surveys("C", CURVED)
    depth = np.concatenate((np.linspace(0.0, 230.0, 461), [30.0, 75.0, 120.0, 150.0, 200.0]))
    ours = desurvey_depths(collars, surveys, ["C"] * depth.size, depth)
    theirs = np.array([_independent_position(collar, CURVED, float(d)) for d in depth])
    np.testing.assert_allclose(ours, theirs, atol=MM, rtol=0)
    # and the arc really bends: the chord between stations is shorter than the course
    st = desurvey_depths(collars, surveys, ["C"] * 6, [s[0] for s in CURVED])
    chords = np.linalg.norm(np.diff(st, axis=0), axis=1)
    assert np.all(chords < np.diff([s[0] for s in CURVED]) - 0.01)


def test_points_on_the_arc_are_equidistant_from_its_centre() -> None:
    """Interpolated points lie on the circle of radius course/β (not on the chord)."""
    (da, aza, dipa), (db, azb, dipb) = CURVED[2], CURVED[3]
    ta, tb = _unit(aza, dipa), _unit(azb, dipb)
    beta = math.acos(_dot(ta, tb))
    radius = (db - da) / beta
    surveys = _surveys("C", CURVED)
    depth = np.linspace(da, db, 21)
    xyz = desurvey_depths(_collar("C"), surveys, ["C"] * depth.size, depth)
    k = np.cross(ta, tb)
    k /= np.linalg.norm(k)
    centre = xyz[0] + radius * np.cross(k, ta)
    np.testing.assert_allclose(np.linalg.norm(xyz - centre, axis=1), radius, atol=MM, rtol=0)
    # all in the plane through the first point perpendicular to the bend axis
    np.testing.assert_allclose((xyz - xyz[0]) @ k, 0.0, atol=MM)


# ---------------------------------------------------------------- (d) real curved holes


def _pygslib_demo():
    folder = SHARED / "pygslib_demo1"
    if not folder.is_dir():
        pytest.skip(f"shared data not found at {folder}")
    raw_c = pd.read_csv(folder / "collar.csv")
    raw_s = pd.read_csv(folder / "survey.csv")
    raw_a = pd.read_csv(folder / "assay.csv")
    collars = pd.DataFrame(
        {
            "hole_id": raw_c["BHID"].astype(str),
            "easting": raw_c["XCOLLAR"],
            "northing": raw_c["YCOLLAR"],
            "elevation": raw_c["ZCOLLAR"],
            "eoh_m": raw_c["LENGTH"],
        }
    )
    surveys = pd.DataFrame(
        {
            "hole_id": raw_s["BHID"].astype(str),
            "depth_m": raw_s["AT"],
            "azimuth_deg": raw_s["AZ"],
            "dip_deg": -raw_s["DIP"],  # the file records downward dips as positive
        }
    )
    assays = pd.DataFrame(
        {"hole_id": raw_a["BHID"].astype(str), "from_m": raw_a["FROM"], "to_m": raw_a["TO"]}
    )
    return collars, surveys, assays


@pytest.mark.shared
def test_pygslib_demo1_end_of_hole_matches_independent() -> None:
    collars, surveys, assays = _pygslib_demo()
    ours = desurvey_depths(collars, surveys, collars["hole_id"], collars["eoh_m"])
    theirs = []
    for row in collars.itertuples():
        s = surveys[surveys["hole_id"] == row.hole_id].sort_values("depth_m")
        stations = list(zip(s["depth_m"], s["azimuth_deg"], s["dip_deg"], strict=True))
        collar = (row.easting, row.northing, row.elevation)
        theirs.append(_independent_position(collar, stations, row.eoh_m))
    np.testing.assert_allclose(ours, np.array(theirs), atol=MM, rtol=0)
    # the holes are curved: end-of-hole is off the straight line of the first survey
    first = surveys.sort_values("depth_m").groupby("hole_id").first().loc[collars["hole_id"]]
    straight = collars[["easting", "northing", "elevation"]].to_numpy() + collars[
        "eoh_m"
    ].to_numpy()[:, None] * np.array(
        [_unit(a, d) for a, d in zip(first["azimuth_deg"], first["dip_deg"], strict=True)]
    )
    assert np.median(np.linalg.norm(ours - straight, axis=1)) > 1.0  # [m]

    # every assay mid-point too
    mid = 0.5 * (assays["from_m"] + assays["to_m"])
    ours_mid = desurvey_depths(collars, surveys, assays["hole_id"], mid)
    pick = np.random.default_rng(7).choice(len(assays), 200, replace=False)
    by_hole = {h: g.sort_values("depth_m") for h, g in surveys.groupby("hole_id")}
    coll = collars.set_index("hole_id")
    for i in pick:
        h = assays["hole_id"].iloc[i]
        s = by_hole[h]
        stations = list(zip(s["depth_m"], s["azimuth_deg"], s["dip_deg"], strict=True))
        c = coll.loc[h]
        ref = _independent_position((c.easting, c.northing, c.elevation), stations, mid.iloc[i])
        np.testing.assert_allclose(ours_mid[i], ref, atol=MM, rtol=0)


@pytest.mark.shared
def test_pygslib_demo1_methods_differ_sensibly() -> None:
    """Balanced tangential is second-order close to minimum curvature; tangential is not."""
    collars, surveys, _ = _pygslib_demo()
    args = (collars, surveys, collars["hole_id"], collars["eoh_m"])
    mc = desurvey_depths(*args, method="minimum_curvature")
    bt = desurvey_depths(*args, method="balanced_tangential")
    tg = desurvey_depths(*args, method="tangential")
    d_bt = np.linalg.norm(bt - mc, axis=1)
    d_tg = np.linalg.norm(tg - mc, axis=1)
    eoh = collars["eoh_m"].to_numpy()
    # tangential shifts each course by about half a course along the bend: decimetres
    assert np.all(d_tg < 0.02 * eoh)
    assert np.median(d_tg) > 0.05  # [m]
    # per course, balanced tangential differs from the arc by exactly L/2·(RF − 1)·|t1 + t2|
    # (RF − 1 ≈ β²/12): their sum bounds the end-of-hole difference (triangle inequality)
    bound = np.zeros(len(collars))
    for n, row in enumerate(collars.itertuples()):
        st = surveys[surveys["hole_id"] == row.hole_id].sort_values("depth_m")
        t = [_unit(a, d) for a, d in zip(st["azimuth_deg"], st["dip_deg"], strict=True)]
        for (d1, t1), (d2, t2) in pairwise(zip(st["depth_m"], t, strict=True)):
            beta = math.acos(max(-1.0, min(1.0, _dot(t1, t2))))
            rf = 1.0 if beta < 1e-9 else 2.0 / beta * math.tan(beta / 2.0)
            bound[n] += (d2 - d1) / 2.0 * (rf - 1.0) * math.dist(np.add(t1, t2), (0, 0, 0))
    assert np.all(d_bt <= bound + 1e-9)
    assert np.all(d_bt < 0.1 * d_tg)  # second order against first order
    # all three keep the hole length: end-of-hole never further from the collar than EOH
    xyz0 = collars[["easting", "northing", "elevation"]].to_numpy()
    for pts in (mc, bt, tg):
        assert np.all(np.linalg.norm(pts - xyz0, axis=1) <= eoh + 1e-9)
