"""Slope precedence on a regular grid: minimal search patterns and the arcs they make.

Method (the classic Lerchs–Grossmann/Whittle construction)
----------------------------------------------------------
A block may be mined only when every block inside the inverted cone above it is mined.
On a regular grid the cone over ``n`` benches is the set of offsets ``(di, dj, dk)``,
``1 ≤ dk ≤ n``, whose horizontal distance, block centre to block centre, is at most
``dk · dz / tan(angle(azimuth))`` (boundary included). Many of these arcs are implied by
others through chains (a block two benches up is already required by the block one bench
up that requires it), so the *minimal pattern* keeps, bench by bench from the lowest, only
the cone offsets that are not a sum of offsets kept before. Applying the minimal pattern to
every block gives the same closure as the full cone, with far fewer arcs (25 instead of 376
for a 45° cone over 8 benches of 20 × 20 × 15 m blocks).

Beyond ``n`` benches the constraint travels along chains of pattern offsets, so the slope
the pattern enforces on a long wall is the boundary of the convex hull of the pattern's
offsets, each scaled to one metre of rise. :func:`slope_pattern` reports that *effective
angle* against the target angle at every half degree of azimuth: a positive error means
the pattern lets the wall stand steeper than designed (optimistic), a negative one flatter
(conservative). More benches give a finer pattern and a smaller error.

Azimuths are clockwise from grid north, towards the wall seen from the block (see
:mod:`mine2magnet.mining.params`); the grid's ``i`` axis points to ``rotation_deg + 90``
and its ``j`` axis to ``rotation_deg`` (:class:`~mine2magnet.blockmodel.BlockGrid`).

Applying a pattern
------------------
:func:`grid_precedence` turns patterns into a :class:`PrecedenceGraph` for any subset of
the grid's cells, in two streaming passes compiled with numba (count, then fill), so the
only memory used is the result itself and one cell → block lookup: a two-million-block
model with a 17-offset pattern takes a fraction of a second and ~270 MB. Arcs to cells not
in the subset are dropped (MineLib's rule); :func:`edge_blocked` finds the cells whose cone
leaves the grid sideways, which a block model should exclude rather than mine with a
vertical wall at the model's edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.mining.types import PrecedenceGraph

if TYPE_CHECKING:  # pragma: no cover
    from mine2magnet.mining.params import SlopeParams
    from mine2magnet.mining.value import BlockValues

__all__ = [
    "SlopePattern",
    "SlopePrecedence",
    "block_precedence",
    "edge_blocked",
    "effective_angles",
    "grid_precedence",
    "sector_angle_function",
    "slope_pattern",
]

_REL_TOL = 1e-9  # relative tolerance of "on the cone" (boundary included)
_AZ_STEP = 0.5  # azimuth step of the error report [deg]


@dataclass(frozen=True)
class SlopePattern:
    """A minimal precedence pattern and its accuracy.

    Attributes
    ----------
    offsets : numpy.ndarray
        ``(m, 3)`` int64 ``(di, dj, dk)`` grid offsets of the predecessors, ``dk ≥ 1``,
        sorted by ``(dk, dj, di)`` [-].
    n_benches : int
        Benches the pattern was built over [-].
    n_cone : int
        Offsets of the full cone over those benches (what the pattern replaces) [-].
    errors : pandas.DataFrame
        ``azimuth_deg``, ``target_deg``, ``pattern_deg`` (effective angle of a long wall),
        ``error_deg`` = pattern − target (positive: steeper than designed) [deg].
    """

    offsets: NDArray[np.int64]
    n_benches: int
    n_cone: int
    errors: pd.DataFrame = field(repr=False)

    @property
    def n_offsets(self) -> int:
        """Number of arcs per block (inside the grid) [-]."""
        return int(self.offsets.shape[0])

    @property
    def max_steeper_deg(self) -> float:
        """Largest amount by which the pattern is steeper than the target [deg]."""
        return float(max(0.0, self.errors["error_deg"].max()))

    @property
    def max_flatter_deg(self) -> float:
        """Largest amount by which the pattern is flatter than the target [deg]."""
        return float(max(0.0, -self.errors["error_deg"].min()))

    @property
    def max_abs_error_deg(self) -> float:
        """Largest absolute angular error [deg]."""
        return float(self.errors["error_deg"].abs().max())

    @property
    def mean_abs_error_deg(self) -> float:
        """Mean absolute angular error over azimuths [deg]."""
        return float(self.errors["error_deg"].abs().mean())


# ------------------------------------------------------------------------ angle model


def sector_angle_function(
    sectors: Sequence[tuple[float, float, float]], default_deg: float
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Angle as a function of azimuth from ``(from_deg, to_deg, angle_deg)`` sectors.

    The first sector whose clockwise range ``[from, to)`` holds an azimuth gives its angle;
    azimuths in no sector take ``default_deg``. A range with ``from == to`` is the full
    circle.

    Parameters
    ----------
    sectors : sequence of (float, float, float)
        Azimuth range start and end, clockwise from north, and the slope angle [deg].
    default_deg : float
        Angle outside every sector [deg].

    Returns
    -------
    callable
        ``f(azimuth_deg array) -> angle_deg array``.

    Examples
    --------
    >>> f = sector_angle_function([(300.0, 60.0, 38.0)], 45.0)
    >>> f(np.array([0.0, 90.0, 300.0, 60.0])).tolist()
    [38.0, 45.0, 38.0, 45.0]
    """
    secs = [(float(a) % 360.0, float(b) % 360.0, float(c)) for a, b, c in sectors]

    def f(az: NDArray[np.float64]) -> NDArray[np.float64]:
        a = np.mod(np.asarray(az, dtype=float), 360.0)
        out = np.full(a.shape, float(default_deg))
        done = np.zeros(a.shape, dtype=bool)
        for lo, hi, ang in secs:
            span = (hi - lo) % 360.0 or 360.0
            inside = (np.mod(a - lo, 360.0) < span) & ~done
            out[inside] = ang
            done |= inside
        return out

    return f


def _offset_azimuth(di: NDArray, dj: NDArray, block_size: Sequence[float], rot: float) -> NDArray:
    """World azimuth of horizontal grid offsets, clockwise from north [deg]."""
    return np.mod(rot + np.degrees(np.arctan2(di * block_size[0], dj * block_size[1])), 360.0)


# --------------------------------------------------------------------- minimal pattern


def _cone_levels(
    angle: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    block_size: Sequence[float],
    rot: float,
    n_benches: int,
) -> tuple[list[NDArray[np.bool_]], int]:
    """Boolean ``(2W+1)²`` masks of the cone's horizontal offsets per bench 1..n."""
    sx, sy, sz = (float(v) for v in block_size)
    az = np.arange(0.0, 360.0, _AZ_STEP)
    flattest = float(np.min(angle(az)))
    reach = n_benches * sz / math.tan(math.radians(flattest))  # metres at the top bench
    W = math.ceil(reach / min(sx, sy)) + 1
    r = np.arange(-W, W + 1)
    dj, di = np.meshgrid(r, r, indexing="ij")  # rows: dj, columns: di
    h = np.hypot(di * sx, dj * sy)
    cot = 1.0 / np.tan(np.radians(angle(_offset_azimuth(di, dj, block_size, rot))))
    levels = []
    for dk in range(1, n_benches + 1):
        lim = dk * sz * cot
        levels.append(h <= lim * (1.0 + _REL_TOL) + 1e-12)
    return levels, W


def _shift(a: NDArray[np.bool_], dj: int, di: int) -> NDArray[np.bool_]:
    """``a`` moved by (dj, di) cells, zeros shifted in (no wrap-around)."""
    out = np.zeros_like(a)
    n0, n1 = a.shape
    s0 = slice(max(dj, 0), n0 + min(dj, 0))
    t0 = slice(max(-dj, 0), n0 + min(-dj, 0))
    s1 = slice(max(di, 0), n1 + min(di, 0))
    t1 = slice(max(-di, 0), n1 + min(-di, 0))
    out[s0, s1] = a[t0, t1]
    return out


def _minimal(levels: list[NDArray[np.bool_]], W: int) -> NDArray[np.int64]:
    """Cone offsets not implied by chains of offsets kept at lower benches."""
    n = len(levels)
    kept: list[list[tuple[int, int]]] = []
    closure: list[NDArray[np.bool_]] = []
    for k in range(1, n + 1):
        reach = np.zeros_like(levels[0])
        for d in range(1, k):  # a kept offset at bench d, then anything reachable at k - d
            for dj, di in kept[d - 1]:
                reach |= _shift(closure[k - d - 1], dj, di)
        keep = levels[k - 1] & ~reach
        jj, ii = np.nonzero(keep)
        kept.append([(int(a) - W, int(b) - W) for a, b in zip(jj, ii, strict=True)])
        closure.append(keep | reach)
    rows = [(di, dj, k + 1) for k, lv in enumerate(kept) for dj, di in lv]
    out = np.array(rows, dtype=np.int64).reshape(-1, 3)
    order = np.lexsort((out[:, 0], out[:, 1], out[:, 2]))
    return out[order]


def _hull(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Convex hull (counter-clockwise, no collinear points) by the monotone chain."""
    pts = np.unique(np.round(points, 12), axis=0)
    if pts.shape[0] <= 2:
        return pts

    def cross(o: NDArray, a: NDArray, b: NDArray) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    lower: list[NDArray] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[NDArray] = []
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def _radial(hull: NDArray[np.float64], az_deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distance from the origin to the hull boundary along each azimuth (hull ∋ origin)."""
    u = np.column_stack([np.sin(np.radians(az_deg)), np.cos(np.radians(az_deg))])  # (E, N)
    rho = np.zeros(u.shape[0])
    m = hull.shape[0]
    if m == 0:
        return rho
    if m == 1:
        segs = [(hull[0], hull[0])]
    else:
        segs = [(hull[i], hull[(i + 1) % m]) for i in range(m)]
        segs += [(np.zeros(2), h) for h in hull]  # degenerate hulls (a segment) and origin
    for a, b in segs:
        e = b - a
        # t u = a + s e  →  [u, -e] [t, s]ᵀ = a
        det = u[:, 0] * (-e[1]) - u[:, 1] * (-e[0])
        ok = np.abs(det) > 1e-15
        t = np.where(ok, (a[0] * (-e[1]) - a[1] * (-e[0])) / np.where(ok, det, 1.0), 0.0)
        s = np.where(ok, (u[:, 0] * a[1] - u[:, 1] * a[0]) / np.where(ok, det, 1.0), -1.0)
        hit = ok & (t >= 0) & (s >= -1e-12) & (s <= 1 + 1e-12)
        rho = np.where(hit, np.maximum(rho, t), rho)
        # parallel case: points of the segment on the ray
        for p in (a, b):
            pn = float(np.hypot(p[0], p[1]))
            if pn > 0:
                on = np.abs(u[:, 0] * p[1] - u[:, 1] * p[0]) < 1e-12 * pn
                on &= (u[:, 0] * p[0] + u[:, 1] * p[1]) > 0
                rho = np.where(on, np.maximum(rho, pn), rho)
    return rho


def effective_angles(
    offsets: ArrayLike,
    block_size: Sequence[float],
    azimuth_deg: ArrayLike,
    *,
    rotation_deg: float = 0.0,
) -> NDArray[np.float64]:
    """Overall slope angle a pattern enforces on a long wall, per azimuth.

    Over many benches the blocks required through chains of pattern offsets fill the
    convex hull of the offsets scaled to one metre of rise; the wall angle towards an
    azimuth is ``atan(1 / ρ)``, ``ρ`` the hull's extent along it [m/m].

    Parameters
    ----------
    offsets : array_like
        ``(m, 3)`` ``(di, dj, dk)`` pattern offsets [-].
    block_size : sequence of float
        Block size along i, j, k [m].
    azimuth_deg : array_like
        Azimuths, clockwise from north [deg].
    rotation_deg : float
        Grid rotation (the j axis's azimuth) [deg].

    Returns
    -------
    numpy.ndarray
        Effective angles from horizontal [deg].

    Examples
    --------
    >>> offs = [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 1), (0, -1, 1)]
    >>> effective_angles(offs, (10, 10, 10), [0.0, 45.0]).round(2).tolist()
    [45.0, 54.74]
    """
    o = np.asarray(offsets, dtype=float).reshape(-1, 3)
    sx, sy, sz = (float(v) for v in block_size)
    rot = math.radians(rotation_deg)
    # local (along i, along j) metres per metre of rise → world (east, north)
    u = o[:, 0] * sx / (o[:, 2] * sz)
    v = o[:, 1] * sy / (o[:, 2] * sz)
    east = u * math.cos(rot) + v * math.sin(rot)
    north = -u * math.sin(rot) + v * math.cos(rot)
    pts = np.vstack([np.column_stack([east, north]), np.zeros((1, 2))])
    rho = _radial(_hull(pts), np.asarray(azimuth_deg, dtype=float))
    return np.degrees(np.arctan2(1.0, rho))


def slope_pattern(
    block_size: Sequence[float],
    angle_deg: float | Callable[[NDArray[np.float64]], NDArray[np.float64]] = 45.0,
    *,
    n_benches: int = 8,
    rotation_deg: float = 0.0,
    angular_tolerance_deg: float | None = None,
) -> SlopePattern:
    """Minimal precedence pattern of a slope cone on a regular grid.

    Parameters
    ----------
    block_size : sequence of float
        Block size along i, j, k [m].
    angle_deg : float or callable
        Overall slope angle from horizontal, or a function of azimuth (clockwise from
        north, towards the wall), e.g. :func:`sector_angle_function` [deg].
    n_benches : int
        Benches the pattern spans (its precision) [-].
    rotation_deg : float
        Grid rotation: azimuth of the grid's j axis [deg].
    angular_tolerance_deg : float, optional
        When given, the fewest benches up to ``n_benches`` whose largest absolute error
        is within it [deg].

    Returns
    -------
    SlopePattern

    Raises
    ------
    ConfigError
        For angles outside (0, 90) or a bad bench count.

    Examples
    --------
    >>> p = slope_pattern((20.0, 20.0, 15.0), 45.0, n_benches=8)
    >>> p.n_offsets, p.n_cone, int(p.offsets[:, 2].max())
    (25, 376, 4)
    """
    if not 1 <= int(n_benches) <= 60:
        raise ConfigError(f"n_benches {n_benches!r} must be an integer in 1..60")
    if len(block_size) != 3 or min(block_size) <= 0:
        raise ConfigError(f"block_size {list(block_size)!r} must be three lengths > 0 [m]")
    if callable(angle_deg):
        angle = angle_deg
    else:
        a = float(angle_deg)

        def angle(az: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.full(np.shape(az), a)

    az = np.arange(0.0, 360.0, _AZ_STEP)
    target = np.asarray(angle(az), dtype=float)
    if not np.all((target > 0) & (target < 90)):
        raise ConfigError("slope angles must lie strictly between 0 and 90 degrees")
    candidates = [int(n_benches)]
    if angular_tolerance_deg is not None:
        candidates = list(range(1, int(n_benches) + 1))
    best = None
    for nb in candidates:
        levels, W = _cone_levels(angle, block_size, rotation_deg, nb)
        offs = _minimal(levels, W)
        eff = effective_angles(offs, block_size, az, rotation_deg=rotation_deg)
        errors = pd.DataFrame(
            {"azimuth_deg": az, "target_deg": target, "pattern_deg": eff,
             "error_deg": eff - target}
        )  # fmt: skip
        n_cone = int(sum(int(lv.sum()) for lv in levels))
        best = SlopePattern(offs, nb, n_cone, errors)
        if angular_tolerance_deg is None or best.max_abs_error_deg <= angular_tolerance_deg:
            break
    assert best is not None
    return best


# ------------------------------------------------------------------ applying patterns


@numba.njit(cache=True, nogil=True)
def _count_arcs(cells, lookup, nx, ny, nz, zone, zptr, offs, counts):  # pragma: no cover
    """Arcs per block: pattern offsets landing on a cell of the set."""
    for b in range(cells.size):
        c = cells[b]
        i = c % nx
        j = (c // nx) % ny
        k = c // (nx * ny)
        z = zone[b]
        n = 0
        for o in range(zptr[z], zptr[z + 1]):
            ii = i + offs[o, 0]
            jj = j + offs[o, 1]
            kk = k + offs[o, 2]
            if ii < 0 or ii >= nx or jj < 0 or jj >= ny or kk >= nz:
                continue
            if lookup[ii + nx * (jj + ny * kk)] >= 0:
                n += 1
        counts[b] = n


@numba.njit(cache=True, nogil=True)
def _fill_arcs(cells, lookup, nx, ny, nz, zone, zptr, offs, indptr, indices):  # pragma: no cover
    """Predecessor ids per block, in increasing order (offsets are sorted by dk, dj, di)."""
    for b in range(cells.size):
        c = cells[b]
        i = c % nx
        j = (c // nx) % ny
        k = c // (nx * ny)
        z = zone[b]
        p = indptr[b]
        for o in range(zptr[z], zptr[z + 1]):
            ii = i + offs[o, 0]
            jj = j + offs[o, 1]
            kk = k + offs[o, 2]
            if ii < 0 or ii >= nx or jj < 0 or jj >= ny or kk >= nz:
                continue
            t = lookup[ii + nx * (jj + ny * kk)]
            if t >= 0:
                indices[p] = t
                p += 1


@numba.njit(cache=True, nogil=True)
def _blocked(nx, ny, nz, zone_cell, zptr, offs, out):  # pragma: no cover
    """Cells whose pattern leaves the grid sideways, or that need such a cell."""
    n = nx * ny * nz
    for c in range(n - 1, -1, -1):  # top down: predecessors are above
        i = c % nx
        j = (c // nx) % ny
        k = c // (nx * ny)
        z = zone_cell[c]
        bad = False
        for o in range(zptr[z], zptr[z + 1]):
            ii = i + offs[o, 0]
            jj = j + offs[o, 1]
            kk = k + offs[o, 2]
            if kk >= nz:
                continue  # above the grid: sky
            if ii < 0 or ii >= nx or jj < 0 or jj >= ny:
                bad = True
                break
            if out[ii + nx * (jj + ny * kk)]:
                bad = True
                break
        out[c] = bad


def _pattern_list(patterns: object) -> list[SlopePattern | ArrayLike]:
    """One pattern (SlopePattern, array or list of triples) or a list of patterns."""
    if isinstance(patterns, (SlopePattern, np.ndarray)):
        return [patterns]
    if (
        isinstance(patterns, (list, tuple))
        and patterns
        and all(
            isinstance(p, SlopePattern) or (isinstance(p, np.ndarray) and p.ndim == 2)
            for p in patterns
        )
    ):
        return list(patterns)
    return [patterns]  # type: ignore[list-item]


def _stack_patterns(patterns: Sequence[SlopePattern | ArrayLike]) -> tuple[NDArray, NDArray]:
    arrs = []
    for p in patterns:
        o = p.offsets if isinstance(p, SlopePattern) else np.asarray(p, dtype=np.int64)
        o = np.asarray(o, dtype=np.int64).reshape(-1, 3)
        if o.size and np.any(o[:, 2] < 1):
            raise ConfigError("pattern offsets must point up (dk ≥ 1)")
        arrs.append(o[np.lexsort((o[:, 0], o[:, 1], o[:, 2]))])
    zptr = np.zeros(len(arrs) + 1, dtype=np.int64)
    zptr[1:] = np.cumsum([a.shape[0] for a in arrs])
    offs = np.concatenate(arrs) if arrs else np.zeros((0, 3), dtype=np.int64)
    return np.ascontiguousarray(offs), zptr


def _zones(zone: ArrayLike | None, n: int, n_patterns: int) -> NDArray[np.int64]:
    if zone is None:
        if n_patterns != 1:
            raise ConfigError("several patterns need a zone (pattern index) per block")
        return np.zeros(n, dtype=np.int64)
    z = np.asarray(zone, dtype=np.int64).ravel()
    if z.size != n:
        raise DataError(f"zone has {z.size} entries for {n} blocks")
    if z.size and (z.min() < 0 or z.max() >= n_patterns):
        raise DataError(f"zone values must index the {n_patterns} pattern(s)")
    return z


def grid_precedence(
    cells: ArrayLike,
    counts: Sequence[int],
    patterns: SlopePattern | ArrayLike | Sequence[SlopePattern],
    *,
    zone: ArrayLike | None = None,
) -> PrecedenceGraph:
    """Apply slope patterns to a set of grid cells: the precedence graph.

    Parameters
    ----------
    cells : array_like
        Flat grid index ``i + nx·(j + ny·k)`` of every block, strictly increasing; block
        ``b`` of the graph is ``cells[b]`` [-].
    counts : sequence of int
        Grid size ``(nx, ny, nz)`` [-].
    patterns : SlopePattern, array_like or sequence of SlopePattern
        One pattern (a SlopePattern, or ``(m, 3)`` offsets as an array or a list of
        triples), or a list of patterns (SlopePatterns or 2-D arrays), one per zone.
    zone : array_like, optional
        Pattern index of every block (needed with several patterns) [-].

    Returns
    -------
    PrecedenceGraph
        Block ``b`` requires the blocks at its pattern offsets that are in ``cells``;
        offsets leaving the grid or landing on a cell not in the set are dropped.

    Raises
    ------
    DataError
        When cells are out of the grid or not strictly increasing.

    Examples
    --------
    >>> g = grid_precedence([0, 1, 2, 4], (3, 1, 2), [(0, 0, 1), (-1, 0, 1), (1, 0, 1)])
    >>> g.predecessors(1).tolist(), g.n_arcs
    ([3], 3)
    """
    nx, ny, nz = (int(v) for v in counts)
    c = np.ascontiguousarray(np.asarray(cells, dtype=np.int64).ravel())
    n_cells = nx * ny * nz
    if c.size and (c[0] < 0 or c[-1] >= n_cells):
        raise DataError(f"cells must lie in 0..{n_cells - 1} for a {nx}×{ny}×{nz} grid")
    if c.size > 1 and np.any(np.diff(c) <= 0):
        raise DataError("cells must be strictly increasing flat grid indices")
    plist = _pattern_list(patterns)
    offs, zptr = _stack_patterns(plist)
    z = _zones(zone, c.size, len(plist))
    ltype = np.int32 if c.size < 2**31 - 1 else np.int64
    lookup = np.full(n_cells, -1, dtype=ltype)
    lookup[c] = np.arange(c.size, dtype=ltype)
    cnt = np.zeros(c.size, dtype=np.int64)
    _count_arcs(c, lookup, nx, ny, nz, z, zptr, offs, cnt)
    indptr = np.zeros(c.size + 1, dtype=np.int64)
    np.cumsum(cnt, out=indptr[1:])
    del cnt
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    _fill_arcs(c, lookup, nx, ny, nz, z, zptr, offs, indptr, indices)
    return PrecedenceGraph(int(c.size), indptr, indices)


def edge_blocked(
    counts: Sequence[int],
    patterns: SlopePattern | ArrayLike | Sequence[SlopePattern],
    *,
    zone: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Cells that cannot be mined inside the grid: their cone leaves it sideways.

    A cell is blocked when one of its pattern offsets falls outside the grid laterally
    (above the grid is sky and allowed), or lands on a blocked cell.

    Parameters
    ----------
    counts : sequence of int
        Grid size ``(nx, ny, nz)`` [-].
    patterns : SlopePattern, array_like or sequence of SlopePattern
        As in :func:`grid_precedence`.
    zone : array_like, optional
        Pattern index of every *grid cell* (flat order) [-].

    Returns
    -------
    numpy.ndarray
        Boolean per grid cell, flat order.

    Examples
    --------
    >>> edge_blocked((3, 1, 2), [(0, 0, 1), (-1, 0, 1), (1, 0, 1)]).tolist()
    [True, False, True, False, False, False]
    """
    nx, ny, nz = (int(v) for v in counts)
    plist = _pattern_list(patterns)
    offs, zptr = _stack_patterns(plist)
    z = _zones(zone, nx * ny * nz, len(plist))
    out = np.zeros(nx * ny * nz, dtype=np.bool_)
    _blocked(nx, ny, nz, z, zptr, offs, out)
    return out


# ------------------------------------------------------------- block-model precedence


@dataclass(frozen=True)
class SlopePrecedence:
    """The precedence graph of an optimisation grid and how it was built.

    Attributes
    ----------
    graph : PrecedenceGraph
        Over the cells in ``rows`` (graph block ``b`` is grid cell row ``rows[b]``).
    rows : numpy.ndarray
        Row positions in :attr:`BlockValues.table` of the graph's blocks [-]: every cell
        except those blocked by the grid's sides and the air above the highest ground.
    zone : numpy.ndarray
        Pattern index of every graph block [-].
    patterns : tuple of SlopePattern
        One per slope zone (a distinct set of sectors applying to a block).
    zones : pandas.DataFrame
        One row per zone: ``zone``, ``sectors`` (indices into ``[[mining.slopes.sectors]]``,
        ``-`` for none), ``blocks``, ``n_offsets``, ``n_cone``, ``n_benches``,
        ``max_steeper_deg``, ``max_flatter_deg``, ``mean_abs_error_deg``.
    blocked_cells : int
        Non-air cells left out because their cone leaves the grid sideways [-].
    blocked_tonnes : float
        Their tonnes [t].
    """

    graph: PrecedenceGraph
    rows: NDArray[np.int64] = field(repr=False)
    zone: NDArray[np.int64] = field(repr=False)
    patterns: tuple[SlopePattern, ...] = field(repr=False)
    zones: pd.DataFrame = field(repr=False)
    blocked_cells: int = 0
    blocked_tonnes: float = 0.0

    def errors(self) -> pd.DataFrame:
        """Angular error per zone and azimuth (``zone`` + :attr:`SlopePattern.errors`)."""
        parts = [p.errors.assign(zone=z) for z, p in enumerate(self.patterns)]
        out = pd.concat(parts, ignore_index=True)
        return out[["zone", *[c for c in out.columns if c != "zone"]]]


def _column_domain(table: pd.DataFrame, counts: Sequence[int]) -> tuple[NDArray, list[str]]:
    """Domain code per cell (and the names); air takes the domain of the highest rock
    below it in its column, columns of pure air the most common rock domain."""
    nx, ny, nz = (int(v) for v in counts)
    cat = table["domain"].astype("category")
    names = [str(v) for v in cat.cat.categories]
    dom = cat.cat.codes.to_numpy(np.int64).reshape(nz, ny * nx).copy()
    air = table["air"].to_numpy().reshape(nz, ny * nx)
    last = np.full(ny * nx, -1, dtype=np.int64)
    for k in range(nz):  # bottom up: remember the last rock domain
        rock = ~air[k]
        last[rock] = dom[k][rock]
        dom[k][air[k]] = last[air[k]]
    blank = dom < 0
    if blank.any():
        rock_codes = dom[~blank]
        dom[blank] = int(np.bincount(rock_codes).argmax()) if rock_codes.size else 0
    return dom.ravel(), names


def block_precedence(values: BlockValues, slopes: SlopeParams) -> SlopePrecedence:
    """Slope zones, minimal patterns and the precedence graph of an optimisation grid.

    Every cell gets, per azimuth, the angle of the first ``[[mining.slopes.sectors]]``
    entry matching its domain and centroid elevation (air cells: the domain of the
    highest rock below them), else ``default_angle_deg``; each distinct set of matching
    sectors is a zone with its own minimal pattern (:func:`slope_pattern`). Cells whose
    cone leaves the grid sideways are left out (:func:`edge_blocked`), as is the air
    above the highest ground.

    Parameters
    ----------
    values : BlockValues
        The optimisation grid (:func:`~mine2magnet.mining.value.block_values`).
    slopes : SlopeParams
        ``[mining.slopes]``.

    Returns
    -------
    SlopePrecedence
    """
    g = values.grid
    t = values.table
    dom, names = _column_domain(t, g.counts)
    z = t["elevation"].to_numpy()
    sig = np.zeros((len(t), max(1, len(slopes.sectors))), dtype=bool)
    for s, sec in enumerate(slopes.sectors):
        m = np.ones(len(t), dtype=bool)
        if sec.domains is not None:
            m &= np.isin(dom, [names.index(d) for d in sec.domains if d in names])
        if sec.elevation_from_m is not None:
            m &= z >= sec.elevation_from_m
        if sec.elevation_to_m is not None:
            m &= z < sec.elevation_to_m
        sig[:, s] = m
    if not slopes.sectors:
        sig[:] = False
    # one integer per signature (≤ 62 sectors), then its rank: the zone
    code = sig.astype(np.int64) @ (np.int64(1) << np.arange(sig.shape[1], dtype=np.int64))
    ucode, zone_cell = np.unique(code, return_inverse=True)
    zone_cell = zone_cell.astype(np.int64).ravel()
    uniq = ((ucode[:, None] >> np.arange(sig.shape[1])) & 1).astype(bool)
    patterns: list[SlopePattern] = []
    rows = []
    for zi, row in enumerate(uniq):
        idx = [s for s in range(len(slopes.sectors)) if row[s]]
        secs = [(slopes.sectors[s].azimuth_from_deg, slopes.sectors[s].azimuth_to_deg,
                 slopes.sectors[s].angle_deg) for s in idx]  # fmt: skip
        f = sector_angle_function(secs, slopes.default_angle_deg)
        p = slope_pattern(
            g.block_size, f, n_benches=slopes.max_benches, rotation_deg=g.rotation_deg,
            angular_tolerance_deg=slopes.angular_tolerance_deg,
        )  # fmt: skip
        patterns.append(p)
        rows.append({
            "zone": zi, "sectors": ",".join(map(str, idx)) or "-",
            "blocks": int(np.count_nonzero(zone_cell == zi)), "n_offsets": p.n_offsets,
            "n_cone": p.n_cone, "n_benches": p.n_benches,
            "max_steeper_deg": p.max_steeper_deg, "max_flatter_deg": p.max_flatter_deg,
            "mean_abs_error_deg": p.mean_abs_error_deg,
        })  # fmt: skip
    blocked = edge_blocked(g.counts, patterns, zone=zone_cell)
    air = t["air"].to_numpy()
    ground_top = float(t["ground_m"].max())
    z_bot = z - 0.5 * g.block_size[2]
    keep = ~blocked & ~(air & (z_bot >= ground_top - 1e-9))
    cells = np.flatnonzero(keep).astype(np.int64)  # row == flat cell index
    graph = grid_precedence(cells, g.counts, patterns, zone=zone_cell[cells])
    lost = blocked & ~air
    zones = pd.DataFrame(rows)
    zones["blocks"] = [int(np.count_nonzero(zone_cell[cells] == zi)) for zi in range(len(uniq))]
    return SlopePrecedence(
        graph=graph, rows=cells, zone=zone_cell[cells], patterns=tuple(patterns), zones=zones,
        blocked_cells=int(np.count_nonzero(lost)),
        blocked_tonnes=float(t["tonnes"].to_numpy()[lost].sum()),
    )  # fmt: skip
