"""Geometry behind sections and plans: grid rows, parent blocks, slabs, drill traces.

Private to :mod:`mine2magnet.report.figures`. Conventions (docs/conventions.md): the grid
rotates clockwise about the vertical through its origin corner by ``rotation_deg``; the
``j`` axis points to azimuth ``rotation_deg`` and the ``i`` axis to ``rotation_deg + 90``.

A *section frame* has a horizontal unit normal ``n`` and a horizontal unit tangent ``t``
(east, north components) and a reference point ``o``. A point ``p`` has slab coordinate
``s = n·(p − o)`` and along-section coordinate ``a = t·(p − o)``; the section's vertical
axis is the elevation. Sections at constant easting or northing use ``o = 0`` (``s`` and
``a`` are world coordinates); sections across the grid axes ``i``/``j`` use the grid
origin (``s`` and ``a`` are distances along the grid axes), computed from integer indices
so block faces fall exactly on multiples of the block size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mine2magnet.blockmodel.grid import BlockGrid
from mine2magnet.errors import DataError

__all__ = [
    "SECTION_AXES",
    "SectionFrame",
    "as_grid",
    "block_sa_corners",
    "blocks_in_slab_mask",
    "clip_a_range",
    "clip_segments_to_slab",
    "clip_segments_to_z",
    "parent_blocks",
    "section_frame",
    "simplify_polyline",
    "trace_polylines",
    "trace_segments",
    "visible_order",
]

SECTION_AXES = ("easting", "northing", "i", "j")

_GRID_KEYS = (
    "origin_easting",
    "origin_northing",
    "origin_elevation",
    "block_size_i_m",
    "block_size_j_m",
    "block_size_k_m",
    "count_i",
    "count_j",
    "count_k",
    "rotation_deg",
)


def as_grid(grid: Any) -> BlockGrid:
    """A :class:`BlockGrid` from a ``estimation__grid`` row (DataFrame, Series, mapping)
    or any object with ``origin``, ``block_size``, ``counts``, ``rotation_deg``."""
    if isinstance(grid, BlockGrid):
        return grid
    if all(hasattr(grid, a) for a in ("origin", "block_size", "counts", "rotation_deg")):
        return BlockGrid(grid.origin, grid.block_size, grid.counts, grid.rotation_deg)
    if isinstance(grid, pd.DataFrame):
        if len(grid) != 1:
            raise DataError(f"estimation__grid: expected one row, got {len(grid)}")
        grid = grid.iloc[0]
    if isinstance(grid, pd.Series | Mapping):
        missing = [k for k in _GRID_KEYS if k not in grid]
        if missing:
            raise DataError(f"estimation__grid: missing column(s) {', '.join(missing)}")
        g = {k: grid[k] for k in _GRID_KEYS}
        return BlockGrid(
            (g["origin_easting"], g["origin_northing"], g["origin_elevation"]),
            (g["block_size_i_m"], g["block_size_j_m"], g["block_size_k_m"]),
            (int(g["count_i"]), int(g["count_j"]), int(g["count_k"])),
            float(g["rotation_deg"]),
        )
    raise DataError(
        f"grid of type {type(grid).__name__} not understood; pass the estimation__grid row"
    )


# ----------------------------------------------------------------------------- blocks


def parent_blocks(
    blocks: pd.DataFrame, grid: BlockGrid, column: str, class_column: str | None = None
) -> pd.DataFrame:
    """One row per block from the (block, domain) table.

    Returns ``i, j, k``, ``tonnes`` (all material) [t], ``estimated_tonnes`` (rows with a
    finite ``column``) [t], ``value`` (tonnage-weighted ``column`` over estimated rows,
    NaN if none) [%] and, with ``class_column``, ``resource_class`` of the estimated row
    with the most tonnes (of any row when none is estimated; NaN if unclassified data).
    Weights are ``tonnes``, else ``volume_fraction``, else 1 per row.
    """
    for c in ("i", "j", "k", column):
        if c not in blocks.columns:
            raise DataError(f"estimation__blocks: missing column {c}")
    i = blocks["i"].to_numpy(np.int64)
    j = blocks["j"].to_numpy(np.int64)
    k = blocks["k"].to_numpy(np.int64)
    if "tonnes" in blocks.columns:
        w = blocks["tonnes"].to_numpy(float)
    elif "volume_fraction" in blocks.columns:
        w = blocks["volume_fraction"].to_numpy(float)
    else:
        w = np.ones(len(blocks))
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    v = blocks[column].to_numpy(float)
    est = np.isfinite(v)
    key = grid.ravel(i, j, k)
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    n = len(uniq)
    tonnes = np.bincount(inv, weights=w, minlength=n)
    est_w = np.where(est, w, 0.0)
    est_t = np.bincount(inv, weights=est_w, minlength=n)
    metal = np.bincount(inv, weights=np.where(est, v * w, 0.0), minlength=n)
    cnt = np.bincount(inv, weights=est.astype(float), minlength=n)
    vmean = np.bincount(inv, weights=np.where(est, v, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(est_t > 0, metal / est_t, np.where(cnt > 0, vmean / cnt, np.nan))
    out = pd.DataFrame(
        {
            "i": i[first],
            "j": j[first],
            "k": k[first],
            "tonnes": tonnes,
            "estimated_tonnes": est_t,
            "value": value,
        }
    )
    if class_column is not None:
        if class_column not in blocks.columns:
            raise DataError(
                f"estimation__blocks: no column {class_column}; classify the resource first"
            )
        cls = blocks[class_column].to_numpy(object)
        has = pd.notna(cls)
        # rank: estimated rows with a class first, then tonnes; take the best per block
        order = np.lexsort((w, has, est & has, inv))
        last = np.r_[np.nonzero(np.diff(inv[order]))[0], len(order) - 1]
        best = order[last]
        out["resource_class"] = np.where(has[best], cls[best], None)
    return out


@dataclass(frozen=True)
class SectionFrame:
    """A vertical section: normal ``n``, tangent ``t`` and reference ``o`` (E, N) [m]."""

    axis: str
    normal: tuple[float, float]
    tangent: tuple[float, float]
    ref: tuple[float, float]

    @property
    def tangent_azimuth_deg(self) -> float:
        """Azimuth the along-section coordinate increases towards [deg]."""
        return math.degrees(math.atan2(self.tangent[0], self.tangent[1])) % 360.0

    @property
    def looking_deg(self) -> float:
        """Azimuth the viewer faces with ``a`` increasing to the right [deg]."""
        return (self.tangent_azimuth_deg - 90.0) % 360.0

    def sa(self, east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slab and along-section coordinates of world points [m]."""
        de = np.asarray(east, float) - self.ref[0]
        dn = np.asarray(north, float) - self.ref[1]
        s = self.normal[0] * de + self.normal[1] * dn
        a = self.tangent[0] * de + self.tangent[1] * dn
        return s, a


def section_frame(grid: BlockGrid, axis: str) -> SectionFrame:
    """The frame of a section across ``axis`` (``easting``, ``northing``, ``i``, ``j``)."""
    ax = grid.axes()
    ui = (float(ax[0, 0]), float(ax[0, 1]))
    uj = (float(ax[1, 0]), float(ax[1, 1]))
    o = (grid.origin[0], grid.origin[1])
    frames = {
        "easting": SectionFrame("easting", (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)),
        "northing": SectionFrame("northing", (0.0, 1.0), (1.0, 0.0), (0.0, 0.0)),
        "i": SectionFrame("i", ui, uj, o),
        "j": SectionFrame("j", uj, ui, o),
    }
    if axis not in frames:
        raise DataError(f"section axis {axis!r} is not one of {', '.join(SECTION_AXES)}")
    return frames[axis]


def block_sa_corners(
    grid: BlockGrid, frame: SectionFrame, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Plan corners of blocks ``(i, j)`` in (s, a) coordinates, shape ``(m, 4, 2)`` [m].

    Corners run around the footprint (0,0), (1,0), (1,1), (0,1) in (i, j) steps. For the
    grid axes the values are exact multiples of the block size.
    """
    si, sj = grid.block_size[0], grid.block_size[1]
    di = np.array([0.0, 1.0, 1.0, 0.0])
    dj = np.array([0.0, 0.0, 1.0, 1.0])
    li = (np.asarray(i, float)[:, None] + di[None, :]) * si
    lj = (np.asarray(j, float)[:, None] + dj[None, :]) * sj
    if frame.axis == "i":
        return np.stack([li, lj], axis=-1)
    if frame.axis == "j":
        return np.stack([lj, li], axis=-1)
    ax = grid.axes()
    east = grid.origin[0] + li * ax[0, 0] + lj * ax[1, 0]
    north = grid.origin[1] + li * ax[0, 1] + lj * ax[1, 1]
    s, a = frame.sa(east, north)
    return np.stack([s, a], axis=-1)


def blocks_in_slab_mask(corners: np.ndarray, s0: float, s1: float) -> np.ndarray:
    """Blocks whose footprint meets the slab ``s0 ≤ s ≤ s1`` [m].

    With ``s1 > s0`` a block counts when it overlaps the slab by more than 1 µm (blocks
    touching a slab face are out). With ``s1 == s0`` (a plane) the footprint is taken as
    half-open, ``lo ≤ s0 < hi``, so a plane on a block face picks exactly one layer.
    """
    lo = corners[..., 0].min(axis=1)
    hi = corners[..., 0].max(axis=1)
    if s1 > s0:
        return (np.minimum(hi, s1) - np.maximum(lo, s0)) > 1e-6
    return (lo <= s0) & (hi > s0)


def clip_a_range(corners: np.ndarray, s0: float, s1: float) -> tuple[np.ndarray, np.ndarray]:
    """Along-section extent ``[a_min, a_max]`` of each footprint cut to ``s0 ≤ s ≤ s1`` [m].

    Exact for convex footprints: the extremes lie at vertices inside the slab or where
    the edges cross the slab faces. NaN where the footprint misses the slab.
    """
    s = corners[..., 0]
    a = corners[..., 1]
    cand = [np.where((s >= s0) & (s <= s1), a, np.nan)]
    s_next = np.roll(s, -1, axis=1)
    a_next = np.roll(a, -1, axis=1)
    ds = s_next - s
    for face in (s0, s1):
        with np.errstate(invalid="ignore", divide="ignore"):
            u = (face - s) / ds
        ok = (ds != 0) & (u >= 0) & (u <= 1)
        cand.append(np.where(ok, a + u * (a_next - a), np.nan))
    allc = np.concatenate(cand, axis=1)
    empty = np.all(np.isnan(allc), axis=1)
    amin = np.min(np.where(np.isnan(allc), np.inf, allc), axis=1)
    amax = np.max(np.where(np.isnan(allc), -np.inf, allc), axis=1)
    amin = np.where(empty, np.nan, amin)
    amax = np.where(empty, np.nan, amax)
    return amin, amax


def visible_order(
    a0: np.ndarray, a1: np.ndarray, k: np.ndarray, distance: np.ndarray
) -> np.ndarray:
    """Indices of rectangles to draw, farthest first, dropping those wholly hidden.

    Rectangles ``[a0, a1] × level k`` are drawn nearest-on-top (``distance`` to the
    section plane); one whose interval is covered by nearer rectangles of the same level
    cannot be seen and is left out.
    """
    keep: list[int] = []
    order = np.lexsort((np.arange(len(k)), distance, k))
    start = 0
    while start < len(order):
        level = k[order[start]]
        stop = start
        while stop < len(order) and k[order[stop]] == level:
            stop += 1
        covered: list[tuple[float, float]] = []  # disjoint, sorted
        for idx in order[start:stop]:
            lo, hi = float(a0[idx]), float(a1[idx])
            if not _covered(covered, lo, hi):
                keep.append(int(idx))
            covered = _merge(covered, lo, hi)
        start = stop
    kept = np.asarray(keep, dtype=np.int64)
    # farthest first so the nearest ends on top
    return kept[np.argsort(-distance[kept], kind="stable")]


def _covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> bool:
    tol = 1e-6
    return any(a <= lo + tol and b >= hi - tol for a, b in intervals)


def _merge(intervals: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    tol = 1e-6
    out: list[tuple[float, float]] = []
    for a, b in intervals:
        if b < lo - tol or a > hi + tol:
            out.append((a, b))
        else:
            lo, hi = min(lo, a), max(hi, b)
    out.append((lo, hi))
    out.sort()
    return out


# ----------------------------------------------------------------------------- traces

_ENDS = (
    "easting_from",
    "northing_from",
    "elevation_from",
    "easting_to",
    "northing_to",
    "elevation_to",
)


def trace_segments(assays: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """Drill-trace segments ``hole_id, from_m, to_m, x0, y0, z0, x1, y1, z1, value``.

    Uses the desurveyed interval ends (``easting_from`` … ``elevation_to``) when present;
    otherwise the ends are interpolated along each hole between interval mid-points
    (``easting``, ``northing``, ``elevation`` at the mid depth), linear beyond the ends.
    ``value`` is ``column`` [%] (NaN without one). Rows without coordinates are dropped.
    """
    need = ["hole_id", "from_m", "to_m"]
    missing = [c for c in need if c not in assays.columns]
    if missing:
        raise DataError(f"assays/composites: missing column(s) {', '.join(missing)}")
    df = assays.sort_values(["hole_id", "from_m"], kind="stable")
    val = (
        df[column].to_numpy(float)
        if column is not None and column in df.columns
        else np.full(len(df), np.nan)
    )
    if all(c in df.columns for c in _ENDS):
        xyz = df[list(_ENDS)].to_numpy(float)
    elif all(c in df.columns for c in ("easting", "northing", "elevation")):
        xyz = _ends_from_midpoints(df)
    else:
        raise DataError(
            "assays/composites: need easting_from … elevation_to or easting, northing, "
            "elevation mid-points to draw drill traces"
        )
    out = pd.DataFrame(
        {
            "hole_id": df["hole_id"].astype(str).to_numpy(),
            "from_m": df["from_m"].to_numpy(float),
            "to_m": df["to_m"].to_numpy(float),
            "x0": xyz[:, 0],
            "y0": xyz[:, 1],
            "z0": xyz[:, 2],
            "x1": xyz[:, 3],
            "y1": xyz[:, 4],
            "z1": xyz[:, 5],
            "value": val,
        }
    )
    ok = np.isfinite(xyz).all(axis=1)
    return out.loc[ok].reset_index(drop=True)


def _ends_from_midpoints(df: pd.DataFrame) -> np.ndarray:
    frm = df["from_m"].to_numpy(float)
    to = df["to_m"].to_numpy(float)
    mid = 0.5 * (frm + to)
    xyz = df[["easting", "northing", "elevation"]].to_numpy(float)
    out = np.full((len(df), 6), np.nan)
    holes = df["hole_id"].astype(str).to_numpy()
    bounds = np.r_[0, np.nonzero(holes[1:] != holes[:-1])[0] + 1, len(df)]
    for b0, b1 in itertools.pairwise(bounds):
        d = mid[b0:b1]
        p = xyz[b0:b1]
        for c in range(3):
            out[b0:b1, c] = _interp_linear(frm[b0:b1], d, p[:, c])
            out[b0:b1, 3 + c] = _interp_linear(to[b0:b1], d, p[:, c])
    return out


def _interp_linear(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """np.interp with linear extrapolation at both ends (vertical for a single point)."""
    if len(xp) == 1:
        return np.full(len(x), fp[0])
    y = np.interp(x, xp, fp)
    lo_slope = (fp[1] - fp[0]) / (xp[1] - xp[0]) if xp[1] != xp[0] else 0.0
    hi_slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2]) if xp[-1] != xp[-2] else 0.0
    y = np.where(x < xp[0], fp[0] + (x - xp[0]) * lo_slope, y)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * hi_slope, y)


def clip_segments_to_slab(
    seg: pd.DataFrame, frame: SectionFrame, s0: float, s1: float
) -> pd.DataFrame:
    """Parts of segments with ``s0 ≤ s ≤ s1``, as ``hole_id, from_m, a0, z0, a1, z1, value``."""
    sa0, aa0 = frame.sa(seg["x0"].to_numpy(), seg["y0"].to_numpy())
    sa1, aa1 = frame.sa(seg["x1"].to_numpy(), seg["y1"].to_numpy())
    z0 = seg["z0"].to_numpy(float)
    z1 = seg["z1"].to_numpy(float)
    t0, t1 = _clip_param(sa0, sa1, s0, s1)
    ok = t1 > t0 + 1e-12
    point = (np.abs(sa1 - sa0) < 1e-12) & (sa0 >= s0) & (sa0 <= s1)
    ok |= point
    t0 = np.where(point, 0.0, t0)
    t1 = np.where(point, 1.0, t1)
    return pd.DataFrame(
        {
            "hole_id": seg["hole_id"].to_numpy()[ok],
            "from_m": (seg["from_m"].to_numpy() + t0 * (seg["to_m"] - seg["from_m"]).to_numpy())[
                ok
            ],
            "a0": (aa0 + t0 * (aa1 - aa0))[ok],
            "z0": (z0 + t0 * (z1 - z0))[ok],
            "a1": (aa0 + t1 * (aa1 - aa0))[ok],
            "z1": (z0 + t1 * (z1 - z0))[ok],
            "value": seg["value"].to_numpy()[ok],
        }
    )


def clip_segments_to_z(seg: pd.DataFrame, z_lo: float, z_hi: float) -> pd.DataFrame:
    """Parts of segments with ``z_lo ≤ z ≤ z_hi`` as ``hole_id, x0, y0, x1, y1, value``."""
    z0 = seg["z0"].to_numpy(float)
    z1 = seg["z1"].to_numpy(float)
    t0, t1 = _clip_param(z0, z1, z_lo, z_hi)
    flat = (np.abs(z1 - z0) < 1e-12) & (z0 >= z_lo) & (z0 <= z_hi)
    ok = (t1 > t0 + 1e-12) | flat
    t0 = np.where(flat, 0.0, t0)
    t1 = np.where(flat, 1.0, t1)
    x0, y0 = seg["x0"].to_numpy(float), seg["y0"].to_numpy(float)
    x1, y1 = seg["x1"].to_numpy(float), seg["y1"].to_numpy(float)
    return pd.DataFrame(
        {
            "hole_id": seg["hole_id"].to_numpy()[ok],
            "x0": (x0 + t0 * (x1 - x0))[ok],
            "y0": (y0 + t0 * (y1 - y0))[ok],
            "x1": (x0 + t1 * (x1 - x0))[ok],
            "y1": (y0 + t1 * (y1 - y0))[ok],
            "value": seg["value"].to_numpy()[ok],
        }
    )


def _clip_param(
    v0: np.ndarray, v1: np.ndarray, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray]:
    """Parameter range ``[t0, t1] ⊂ [0, 1]`` of ``v0 + t (v1 − v0)`` inside ``[lo, hi]``."""
    dv = v1 - v0
    with np.errstate(invalid="ignore", divide="ignore"):
        ta = (lo - v0) / dv
        tb = (hi - v0) / dv
    enter = np.where(dv != 0, np.minimum(ta, tb), np.where((v0 >= lo) & (v0 <= hi), 0.0, 1.0))
    leave = np.where(dv != 0, np.maximum(ta, tb), np.where((v0 >= lo) & (v0 <= hi), 1.0, 0.0))
    return np.maximum(enter, 0.0), np.minimum(leave, 1.0)


def trace_polylines(
    hole: np.ndarray, xy0: np.ndarray, xy1: np.ndarray, level: np.ndarray, tol: float
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Join consecutive segments into polylines to keep the SVG small.

    Segments (sorted by hole and depth) whose ends touch (within 1 mm) form one *run*;
    within a run, neighbours with the same colour ``level`` form one coloured piece.
    Returns the runs, the pieces and each piece's level; every polyline is simplified
    with :func:`simplify_polyline` at ``tol`` [m].
    """
    runs: list[np.ndarray] = []
    pieces: list[np.ndarray] = []
    levels: list[int] = []
    n = len(hole)
    if n == 0:
        return runs, pieces, np.zeros(0, dtype=np.int64)
    joined = np.zeros(n, dtype=bool)
    joined[1:] = (hole[1:] == hole[:-1]) & (np.abs(xy0[1:] - xy1[:-1]).max(axis=1) < 1e-3)
    same = np.zeros(n, dtype=bool)
    same[1:] = joined[1:] & (level[1:] == level[:-1])
    run_start = np.nonzero(~joined)[0]
    for r0, r1 in zip(run_start, np.r_[run_start[1:], n], strict=True):
        runs.append(simplify_polyline(np.vstack([xy0[r0:r1], xy1[r1 - 1 : r1]]), tol))
        p_start = r0 + np.nonzero(~same[r0:r1])[0]
        p_start[0] = r0
        for p0, p1 in zip(p_start, np.r_[p_start[1:], r1], strict=True):
            pieces.append(simplify_polyline(np.vstack([xy0[p0:p1], xy1[p1 - 1 : p1]]), tol))
            levels.append(int(level[p0]))
    return runs, pieces, np.asarray(levels, dtype=np.int64)


def simplify_polyline(xy: np.ndarray, tol: float) -> np.ndarray:
    """Ramer–Douglas–Peucker simplification of an ``(m, d)`` polyline: vertices within
    ``tol`` of the chord are dropped [m]."""
    if len(xy) <= 2 or tol <= 0:
        return xy
    keep = np.zeros(len(xy), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(xy) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        p, q = xy[a], xy[b]
        d = q - p
        seg = xy[a + 1 : b] - p
        norm = float(np.sqrt((d * d).sum()))
        if norm > 0.0:
            seg = seg - np.outer(seg @ (d / norm), d / norm)
        dist = np.sqrt((seg * seg).sum(axis=1))
        m = int(np.argmax(dist))
        if dist[m] > tol:
            c = a + 1 + m
            keep[c] = True
            stack += [(a, c), (c, b)]
    return xy[keep]
