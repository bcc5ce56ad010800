"""Desurvey: positions along drillholes from collars and down-hole surveys.

Conventions (``docs/conventions.md``): ``easting``, ``northing``, ``elevation`` in metres,
z up; ``azimuth_deg`` clockwise from grid north; ``dip_deg`` negative down (−90 is
vertically down); depths in metres along the hole from the collar.

The hole path between two survey stations follows one of three methods:

``minimum_curvature`` (default)
    A circular arc tangent to both station directions (Taylor & Mason 1972, "A
    Systematic Approach to Well Surveying Calculations", SPE Journal; Sawaryn &
    Thorogood 2003, "A Compendium of Directional Calculations Based on the Minimum
    Curvature Method", SPE 84246). Station-to-station displacement is
    ``L/2 · RF · (t1 + t2)`` with the ratio factor ``RF = 2/β · tan(β/2)`` for the dogleg
    angle β (RF → 1 as β → 0, handled without cancellation). Points between stations lie
    on the arc (interpolated by arc length, never linearly).
``tangential``
    A straight line along the direction of the *lower* station of each course (the
    classic definition, e.g. PetroWiki "Calculation methods for directional survey").
``balanced_tangential``
    Two straight legs: the upper half of the course along the upper station's direction,
    the lower half along the lower station's.

Above the first station the hole runs straight from the collar along the first station's
direction; below the last station it continues straight along the last station's
direction. A hole with a single survey is therefore straight; a hole with no survey is
assumed vertical (dip −90°) from its collar — :func:`survey_status` lists such holes so the
assumption is never silent. Survey rows with a missing depth, azimuth or dip, and surveys
of holes that have no collar, are ignored here (validation reports them).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from numba import njit

from mine2magnet.errors import ConfigError, DataError

__all__ = [
    "DESURVEY_METHODS",
    "desurvey_depths",
    "desurvey_intervals",
    "survey_status",
]

DESURVEY_METHODS = ("minimum_curvature", "tangential", "balanced_tangential")

_COLLAR_COLUMNS = ("hole_id", "easting", "northing", "elevation")
_SURVEY_COLUMNS = ("hole_id", "depth_m", "azimuth_deg", "dip_deg")
_INTERVAL_COLUMNS = ("hole_id", "from_m", "to_m")

# numerical guards for the arc: below _TINY_BETA the straight-line limit is exact to
# double precision; within _NEAR_PI of a reversal the arc plane is undefined and the
# course falls back to balanced tangential (a 180° dogleg is not a real drillhole)
_TINY_BETA = 1e-12
_NEAR_PI = 1e-9


# ----------------------------------------------------------------------------- kernels


@njit(cache=True, inline="always")
def _course(t1x, t1y, t1z, t2x, t2y, t2z, length, s, method):  # pragma: no cover - jit
    """Displacement after ``s`` metres of a course of ``length`` metres from t1 to t2."""
    if length <= 0.0 or s <= 0.0:
        return 0.0, 0.0, 0.0
    if method == 1:  # tangential: the lower station's direction
        return s * t2x, s * t2y, s * t2z
    dot = t1x * t2x + t1y * t2y + t1z * t2z
    cx = t1y * t2z - t1z * t2y
    cy = t1z * t2x - t1x * t2z
    cz = t1x * t2y - t1y * t2x
    beta = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), dot)
    if method == 2 or beta > np.pi - _NEAR_PI:  # balanced tangential: two legs
        half = 0.5 * length
        if s <= half:
            return s * t1x, s * t1y, s * t1z
        r = s - half
        return half * t1x + r * t2x, half * t1y + r * t2y, half * t1z + r * t2z
    if beta < _TINY_BETA:  # straight: limit of the arc coefficients
        b = 0.5 * s * s / length
        a = s - b
    else:
        # p(s) = p1 + a(s) t1 + b(s) t2 on the arc of radius length/beta; product-of-sines
        # form avoids the 1 - cos cancellation for small doglegs
        theta = beta * s / length
        scale = 2.0 * length / (beta * np.sin(beta))
        sh = np.sin(0.5 * theta)
        a = scale * np.sin(beta - 0.5 * theta) * sh
        b = scale * sh * sh
    return a * t1x + b * t2x, a * t1y + b * t2y, a * t1z + b * t2z


@njit(cache=True)
def _station_positions(first, count, depth, tvec, collar_xyz, method):  # pragma: no cover
    """Coordinates of every survey station, one pass over the sorted stations."""
    xyz = np.empty_like(tvec)
    for h in range(first.shape[0]):
        i0 = first[h]
        n = count[h]
        if n == 0:
            continue
        # straight from the collar along the first station's direction
        d0 = depth[i0]
        for k in range(3):
            xyz[i0, k] = collar_xyz[h, k] + d0 * tvec[i0, k]
        for i in range(i0 + 1, i0 + n):
            length = depth[i] - depth[i - 1]
            dx, dy, dz = _course(
                tvec[i - 1, 0],
                tvec[i - 1, 1],
                tvec[i - 1, 2],
                tvec[i, 0],
                tvec[i, 1],
                tvec[i, 2],
                length,
                length,
                method,
            )
            xyz[i, 0] = xyz[i - 1, 0] + dx
            xyz[i, 1] = xyz[i - 1, 1] + dy
            xyz[i, 2] = xyz[i - 1, 2] + dz
    return xyz


# course kinds of _course_table (which branch of _course a course takes)
_ARC, _STRAIGHT, _BALANCED, _TANGENT = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _course_table(first, count, depth, tvec, method):  # pragma: no cover - jit
    """Per station j, the part of :func:`_course` for the course j → j+1 that does not
    depend on the distance along it: its kind, dogleg angle and arc scale.

    Same expressions in the same order as :func:`_course`, so the same doubles.
    """
    m = depth.shape[0]
    kind = np.full(m, _TANGENT, dtype=np.int8)
    beta = np.zeros(m)
    scale = np.zeros(m)
    if method == 1:
        return kind, beta, scale
    for h in range(first.shape[0]):
        for j in range(first[h], first[h] + count[h] - 1):
            length = depth[j + 1] - depth[j]
            t1x, t1y, t1z = tvec[j, 0], tvec[j, 1], tvec[j, 2]
            t2x, t2y, t2z = tvec[j + 1, 0], tvec[j + 1, 1], tvec[j + 1, 2]
            dot = t1x * t2x + t1y * t2y + t1z * t2z
            cx = t1y * t2z - t1z * t2y
            cy = t1z * t2x - t1x * t2z
            cz = t1x * t2y - t1y * t2x
            b = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), dot)
            beta[j] = b
            if method == 2 or b > np.pi - _NEAR_PI:
                kind[j] = _BALANCED
            elif b < _TINY_BETA:
                kind[j] = _STRAIGHT
            else:
                kind[j] = _ARC
                scale[j] = 2.0 * length / (b * np.sin(b))
    return kind, beta, scale


@njit(cache=True, inline="always")
def _point(h, d, first, count, depth, tvec, xyz, kind, beta, scale):  # pragma: no cover
    """Coordinates at depth ``d`` of hole ``h``: straight above the first station and
    below the last, else :func:`_course` from the station above, its distance-free part
    taken from :func:`_course_table` (same operations, so the same doubles). NaN for a
    missing hole or depth."""
    if h < 0 or not np.isfinite(d) or count[h] == 0:
        return np.nan, np.nan, np.nan
    lo = first[h]
    hi = lo + count[h]
    if d < depth[lo]:  # above the first station: straight along its direction
        s = d - depth[lo]
        return (
            xyz[lo, 0] + s * tvec[lo, 0],
            xyz[lo, 1] + s * tvec[lo, 1],
            xyz[lo, 2] + s * tvec[lo, 2],
        )
    a = lo
    b = hi - 1
    while a < b:
        mid = (a + b + 1) // 2
        if depth[mid] <= d:
            a = mid
        else:
            b = mid - 1
    j = a
    s = d - depth[j]
    if j == hi - 1:  # below the last station: straight along its direction
        return xyz[j, 0] + s * tvec[j, 0], xyz[j, 1] + s * tvec[j, 1], xyz[j, 2] + s * tvec[j, 2]
    length = depth[j + 1] - depth[j]
    if length <= 0.0 or s <= 0.0:
        return xyz[j, 0] + 0.0, xyz[j, 1] + 0.0, xyz[j, 2] + 0.0
    k = kind[j]
    if k == _TANGENT:
        dx, dy, dz = s * tvec[j + 1, 0], s * tvec[j + 1, 1], s * tvec[j + 1, 2]
    elif k == _BALANCED:
        half = 0.5 * length
        if s <= half:
            dx, dy, dz = s * tvec[j, 0], s * tvec[j, 1], s * tvec[j, 2]
        else:
            r = s - half
            dx = half * tvec[j, 0] + r * tvec[j + 1, 0]
            dy = half * tvec[j, 1] + r * tvec[j + 1, 1]
            dz = half * tvec[j, 2] + r * tvec[j + 1, 2]
    else:
        if k == _STRAIGHT:
            bb = 0.5 * s * s / length
            aa = s - bb
        else:
            theta = beta[j] * s / length
            sh = np.sin(0.5 * theta)
            aa = scale[j] * np.sin(beta[j] - 0.5 * theta) * sh
            bb = scale[j] * sh * sh
        dx = aa * tvec[j, 0] + bb * tvec[j + 1, 0]
        dy = aa * tvec[j, 1] + bb * tvec[j + 1, 1]
        dz = aa * tvec[j, 2] + bb * tvec[j + 1, 2]
    return xyz[j, 0] + dx, xyz[j, 1] + dy, xyz[j, 2] + dz


@njit(cache=True, nogil=True)
def _locate_range(
    codes, qdepth, start, stop, first, count, depth, tvec, xyz, kind, beta, scale, out
):  # pragma: no cover - jit
    """Coordinates of points ``start:stop`` (:func:`_point`), written into ``out`` (n, 3)."""
    for p in range(start, stop):
        x, y, z = _point(codes[p], qdepth[p], first, count, depth, tvec, xyz, kind, beta, scale)
        out[p, 0] = x
        out[p, 1] = y
        out[p, 2] = z


@njit(cache=True, nogil=True)
def _locate_intervals(
    codes, frm, to, start, stop, first, count, depth, tvec, xyz, kind, beta, scale, out
):  # pragma: no cover - jit
    """Mid-point, from and to coordinates of intervals ``start:stop`` into ``out`` (9, n).

    A ``from`` equal to the previous interval's ``to`` in the same hole (a nonzero depth:
    equal doubles, same bits) takes that point's coordinates instead of computing them
    again: the same function of the same inputs.
    """
    for i in range(start, stop):
        h = codes[i]
        x, y, z = _point(
            h, 0.5 * (frm[i] + to[i]), first, count, depth, tvec, xyz, kind, beta, scale
        )
        out[0, i] = x
        out[1, i] = y
        out[2, i] = z
        d = frm[i]
        if i > start and h == codes[i - 1] and d == to[i - 1] and d != 0.0:
            out[3, i] = out[6, i - 1]
            out[4, i] = out[7, i - 1]
            out[5, i] = out[8, i - 1]
        else:
            x, y, z = _point(h, d, first, count, depth, tvec, xyz, kind, beta, scale)
            out[3, i] = x
            out[4, i] = y
            out[5, i] = z
        x, y, z = _point(h, to[i], first, count, depth, tvec, xyz, kind, beta, scale)
        out[6, i] = x
        out[7, i] = y
        out[8, i] = z


@njit(cache=True)
def _empty(rows, cols):  # pragma: no cover - jit
    """``np.empty((rows, cols))`` allocated by numba: plain ``malloc`` memory, without the
    transparent-huge-page advice numpy gives arrays of 4 MiB and more, whose first touch
    costs up to ~2 ms/MiB on the (virtualised) benchmark host against ~0.4 ms/MiB for
    normal pages. For the large outputs of the kernels."""
    return np.empty((rows, cols))


# ----------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Stations:
    """Survey stations of every collar, sorted by hole code then depth."""

    holes: pd.Index  # collar hole ids; position = hole code
    first: np.ndarray  # (h,) first station of each hole
    count: np.ndarray  # (h,) stations per hole (>= 1)
    depth: np.ndarray  # (m,) [m]
    tvec: np.ndarray  # (m, 3) unit direction (east, north, up)
    xyz: np.ndarray  # (m, 3) station coordinates [m]
    n_surveys: np.ndarray  # (h,) survey rows used per hole (0 = assumed vertical)
    method: int
    kind: np.ndarray  # (m,) course j -> j+1: arc, straight, balanced or tangent
    beta: np.ndarray  # (m,) dogleg angle of the course [rad]
    scale: np.ndarray  # (m,) arc coefficient 2 L / (beta sin beta) [m]


def _method_code(method: str) -> int:
    try:
        return DESURVEY_METHODS.index(method)
    except ValueError:
        raise ConfigError(
            f"key 'desurvey.method': unknown method {method!r}; use one of "
            f"{', '.join(DESURVEY_METHODS)}"
        ) from None


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what} table: missing column(s) {', '.join(missing)}; it needs "
            f"{', '.join(columns)} (load it with mine2magnet.drillholes.io)"
        )


def _direction(azimuth_deg: np.ndarray, dip_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (east, north, up) for azimuth clockwise from north, dip negative down."""
    az = np.radians(azimuth_deg)
    dip = np.radians(dip_deg)
    cd = np.cos(dip)
    cd[np.abs(dip_deg) == 90.0] = 0.0  # exactly vertical: no horizontal round-off
    return np.column_stack((cd * np.sin(az), cd * np.cos(az), np.sin(dip)))


def _factorize(values: object, *, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 = missing) and unique values; fast on Arrow-backed strings."""
    if not isinstance(values, pd.Series | pd.Index | pd.Categorical):
        values = np.asarray(values, dtype=object).ravel()
    codes, uniques = pd.factorize(values, sort=sort)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _hole_codes(holes: pd.Index, values: object, what: str) -> np.ndarray:
    """Position of every value in ``holes``; raises for ids without a collar."""
    codes, uniques = _factorize(values)
    return _map_codes(holes, codes, uniques, what)


def _map_codes(holes: pd.Index, codes: np.ndarray, uniques: pd.Index, what: str) -> np.ndarray:
    """Re-code ``codes`` (into ``uniques``) as positions in ``holes``."""
    where = np.asarray(holes.get_indexer(uniques), dtype=np.int64)
    if (where < 0).any():
        bad = [str(u) for u in np.asarray(uniques, dtype=object)[where < 0][:5]]
        n_bad = int((where < 0).sum())
        raise DataError(
            f"{what}: {n_bad} hole id(s) have no collar (e.g. {', '.join(bad)}); add them "
            "to the collar file or remove those rows"
        )
    out = where[codes]
    out[codes < 0] = -1  # missing hole id → NaN coordinates
    return out


def _build_stations(collars: pd.DataFrame, surveys: pd.DataFrame, method: str) -> _Stations:
    mcode = _method_code(method)
    _require(collars, _COLLAR_COLUMNS, "collar")
    _require(surveys, _SURVEY_COLUMNS, "survey")
    holes = pd.Index(collars["hole_id"])
    if not holes.is_unique:
        dup = holes[holes.duplicated()].unique()[:5]
        raise DataError(
            f"collar table: duplicate hole id(s) {', '.join(map(str, dup))}; keep one "
            "collar per hole"
        )
    n_holes = len(holes)
    collar_xyz = np.column_stack(
        [np.asarray(collars[c], dtype=np.float64) for c in _COLLAR_COLUMNS[1:]]
    )

    depth = np.asarray(surveys["depth_m"], dtype=np.float64)
    az = np.asarray(surveys["azimuth_deg"], dtype=np.float64)
    dip = np.asarray(surveys["dip_deg"], dtype=np.float64)
    if len(surveys):
        codes, uniques = _factorize(surveys["hole_id"])
        codes = np.where(codes >= 0, holes.get_indexer(uniques)[codes], -1)
    else:
        codes = np.empty(0, dtype=np.int64)
    ok = (codes >= 0) & np.isfinite(depth) & np.isfinite(az) & np.isfinite(dip)
    codes, depth, az, dip = codes[ok], depth[ok], az[ok], dip[ok]
    n_surveys = np.bincount(codes, minlength=n_holes)

    # holes without a survey: one vertical station at the collar
    bare = np.flatnonzero(n_surveys == 0)
    codes = np.concatenate((codes, bare))
    depth = np.concatenate((depth, np.zeros(bare.size)))
    az = np.concatenate((az, np.zeros(bare.size)))
    dip = np.concatenate((dip, np.full(bare.size, -90.0)))

    order = np.lexsort((depth, codes))
    codes, depth, az, dip = codes[order], depth[order], az[order], dip[order]
    # repeated depths in a hole: keep the first row (validation reports duplicates)
    keep = np.ones(codes.size, dtype=bool)
    keep[1:] = (codes[1:] != codes[:-1]) | (depth[1:] != depth[:-1])
    codes, depth, az, dip = codes[keep], depth[keep], az[keep], dip[keep]

    count = np.bincount(codes, minlength=n_holes).astype(np.int64)
    first = np.zeros(n_holes, dtype=np.int64)
    np.cumsum(count[:-1], out=first[1:])
    tvec = _direction(az, dip)
    xyz = _station_positions(first, count, depth, tvec, collar_xyz, mcode)
    kind, beta, scale = _course_table(first, count, depth, tvec, mcode)
    return _Stations(holes, first, count, depth, tvec, xyz, n_surveys, mcode, kind, beta, scale)


def _chunks(n: int) -> list[tuple[int, int]]:
    """Ranges splitting ``n`` points between worker threads (one range when small)."""
    parts = max(1, min(os.cpu_count() or 1, 8, n // 50_000))
    edges = np.linspace(0, n, parts + 1).astype(np.int64).tolist()
    return list(pairwise(edges))


def _run_chunks(kernel, n: int, before: tuple, after: tuple) -> None:
    """Run ``kernel(*before, start, stop, *after)`` over chunks of ``n`` points in threads.

    The kernels are serial, compiled with ``nogil`` and write disjoint parts of their
    output, so the threads are safe and the result does not depend on the split.
    """
    chunks = _chunks(n)
    if len(chunks) == 1:
        kernel(*before, 0, n, *after)
        return
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        jobs = [pool.submit(kernel, *before, a, b, *after) for a, b in chunks]
        for job in jobs:
            job.result()


def _positions(st: _Stations, codes: np.ndarray, depth_m: np.ndarray) -> np.ndarray:
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    depth_m = np.ascontiguousarray(depth_m, dtype=np.float64)
    out = _empty(depth_m.shape[0], 3)
    tables = (st.first, st.count, st.depth, st.tvec, st.xyz, st.kind, st.beta, st.scale, out)
    _run_chunks(_locate_range, depth_m.shape[0], (codes, depth_m), tables)
    return out


def _interval_positions(
    st: _Stations, codes: np.ndarray, frm: np.ndarray, to: np.ndarray
) -> np.ndarray:
    """(9, n): mid-point, from and to easting, northing, elevation of each interval."""
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    frm = np.ascontiguousarray(frm, dtype=np.float64)
    to = np.ascontiguousarray(to, dtype=np.float64)
    out = _empty(9, frm.shape[0])
    tables = (st.first, st.count, st.depth, st.tvec, st.xyz, st.kind, st.beta, st.scale, out)
    _run_chunks(_locate_intervals, frm.shape[0], (codes, frm, to), tables)
    return out


# ----------------------------------------------------------------------------- public


def desurvey_depths(
    collars: pd.DataFrame,
    surveys: pd.DataFrame,
    hole_id: Sequence[object] | np.ndarray | pd.Series,
    depth_m: Sequence[float] | np.ndarray | pd.Series,
    method: str = "minimum_curvature",
) -> np.ndarray:
    """Coordinates of points at given depths along drillholes.

    Parameters
    ----------
    collars : pandas.DataFrame
        ``hole_id``, ``easting``, ``northing``, ``elevation`` [m]; one row per hole.
    surveys : pandas.DataFrame
        ``hole_id``, ``depth_m`` [m along hole], ``azimuth_deg`` [degrees clockwise from
        north], ``dip_deg`` [degrees, negative down]. Any order; may be empty.
    hole_id : array-like of length n
        Hole of each point; every id must have a collar.
    depth_m : array-like of length n
        Depth of each point along its hole [m]. NaN gives NaN coordinates.
    method : {"minimum_curvature", "tangential", "balanced_tangential"}
        Path between survey stations (see the module docstring).

    Returns
    -------
    numpy.ndarray
        Shape (n, 3): ``easting``, ``northing``, ``elevation`` [m] of each point.

    Raises
    ------
    DataError
        A required column is missing, a collar id is repeated, or a point's hole has no
        collar.
    ConfigError
        Unknown ``method``.

    Notes
    -----
    Holes without any survey are taken as vertical (see :func:`survey_status`). Inputs
    are never modified.

    Examples
    --------
    >>> import pandas as pd
    >>> collars = pd.DataFrame({"hole_id": ["A"], "easting": [0.0], "northing": [0.0],
    ...                         "elevation": [100.0]})
    >>> surveys = pd.DataFrame({"hole_id": ["A"], "depth_m": [0.0], "azimuth_deg": [90.0],
    ...                         "dip_deg": [-60.0]})
    >>> desurvey_depths(collars, surveys, ["A"], [10.0]).round(3).tolist()
    [[5.0, 0.0, 91.34]]
    """
    st = _build_stations(collars, surveys, method)
    depth = np.asarray(depth_m, dtype=np.float64).ravel()
    codes = _hole_codes(st.holes, hole_id, "desurvey points")
    if codes.shape != depth.shape:
        raise ValueError(f"hole_id has {codes.size} values but depth_m has {depth.size}")
    return _positions(st, codes, depth)


def desurvey_intervals(
    collars: pd.DataFrame,
    surveys: pd.DataFrame,
    intervals: pd.DataFrame,
    method: str = "minimum_curvature",
) -> pd.DataFrame:
    """Add mid-point and end-point coordinates to down-hole intervals.

    Parameters
    ----------
    collars : pandas.DataFrame
        ``hole_id``, ``easting``, ``northing``, ``elevation`` [m].
    surveys : pandas.DataFrame
        ``hole_id``, ``depth_m`` [m], ``azimuth_deg`` [°, clockwise from north],
        ``dip_deg`` [°, negative down].
    intervals : pandas.DataFrame
        ``hole_id``, ``from_m``, ``to_m`` [m along hole] and any other columns.
    method : {"minimum_curvature", "tangential", "balanced_tangential"}
        Path between survey stations.

    Returns
    -------
    pandas.DataFrame
        A copy of ``intervals`` (same index and order) with ``easting``, ``northing``,
        ``elevation`` at the mid-depth ``(from_m + to_m) / 2`` [m] — on a curved hole the
        point on the path, not the average of the end points — and ``easting_from``,
        ``northing_from``, ``elevation_from``, ``easting_to``, ``northing_to``,
        ``elevation_to`` [m].

    Examples
    --------
    >>> import pandas as pd
    >>> collars = pd.DataFrame({"hole_id": ["A"], "easting": [0.0], "northing": [0.0],
    ...                         "elevation": [100.0]})
    >>> surveys = pd.DataFrame(columns=["hole_id", "depth_m", "azimuth_deg", "dip_deg"])
    >>> iv = pd.DataFrame({"hole_id": ["A"], "from_m": [0.0], "to_m": [2.0]})
    >>> desurvey_intervals(collars, surveys, iv)["elevation"].tolist()
    [99.0]
    """
    _require(intervals, _INTERVAL_COLUMNS, "interval")
    st = _build_stations(collars, surveys, method)
    codes = _hole_codes(st.holes, intervals["hole_id"], "intervals")
    frm = np.asarray(intervals["from_m"], dtype=np.float64)
    to = np.asarray(intervals["to_m"], dtype=np.float64)
    xyz = _interval_positions(st, codes, frm, to)
    new = {}
    for part, suffix in enumerate(("", "_from", "_to")):
        for k, name in enumerate(("easting", "northing", "elevation")):
            new[name + suffix] = xyz[3 * part + k]
    return _with_columns(intervals, new)


def _with_columns(frame: pd.DataFrame, new: dict[str, np.ndarray]) -> pd.DataFrame:
    """``frame.assign(**new)``; without copying ``frame`` (copy-on-write keeps it safe)
    when the new names are new and the frame is plain, as ``assign`` would give."""
    cols = frame.columns
    plain = (
        type(cols) is pd.Index
        and cols.is_unique
        and frame.index.is_unique
        and not frame.attrs
        and frame.flags.allows_duplicate_labels
        and not cols.isin(list(new)).any()
    )
    if not plain:
        return frame.assign(**new)
    expected = cols
    for name in new:  # the labels as assign builds them (one insert per column)
        expected = expected.insert(len(expected), name)
    out = pd.concat([frame, pd.DataFrame(new, index=frame.index, copy=False)], axis=1)
    if out.columns.dtype != expected.dtype or not out.columns.equals(expected):
        return frame.assign(**new)
    return out


def survey_status(collars: pd.DataFrame, surveys: pd.DataFrame) -> pd.DataFrame:
    """How each hole is desurveyed: from surveys, straight, or assumed vertical.

    Parameters
    ----------
    collars : pandas.DataFrame
        ``hole_id`` and collar coordinates [m].
    surveys : pandas.DataFrame
        ``hole_id``, ``depth_m`` [m], ``azimuth_deg`` [°], ``dip_deg`` [°].

    Returns
    -------
    pandas.DataFrame
        One row per collar: ``hole_id``, ``n_surveys`` (usable survey rows) and
        ``status``: ``"surveyed"`` (two or more stations), ``"single_survey"`` (straight
        along that one direction) or ``"no_survey_vertical"`` (assumed vertical).
    """
    st = _build_stations(collars, surveys, "minimum_curvature")
    n = st.n_surveys
    status = np.where(n >= 2, "surveyed", np.where(n == 1, "single_survey", "no_survey_vertical"))
    return pd.DataFrame(
        {"hole_id": np.asarray(st.holes, dtype=object), "n_surveys": n, "status": status}
    )
