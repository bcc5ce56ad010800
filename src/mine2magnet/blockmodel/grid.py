"""The regular block grid, the block model table, topography and domain coding.

Grid
----
A :class:`BlockGrid` has an ``origin`` (the outer corner of block ``(0, 0, 0)``), a
``block_size`` and ``counts`` along its axes ``i, j, k`` and a ``rotation_deg`` about the
vertical through the origin, clockwise seen from above: the ``j`` axis points to azimuth
``rotation_deg``, the ``i`` axis to ``rotation_deg + 90``, ``k`` is up. With no rotation
``i, j, k`` run along easting, northing, elevation. The flat block index is
``i + nx·(j + ny·k)`` (i fastest, as in GSLIB and VTK).

Domain coding (nearest composite, indicator-style volume fractions)
-------------------------------------------------------------------
Every block is cut into ``nx × ny × nz`` equal sub-cells. A sub-cell centre above the
topography is left out. Otherwise it takes the domain of the nearest composite, the
distance measured in the anisotropic metric of a coding ellipsoid (ranges and GSLIB
angles; 1 = on the ellipsoid), if that composite lies within ``max_distance``; else the
``default_domain`` (or nothing). A block's *volume fraction* in a domain is the share of
its sub-cells coded with that domain. Blocks cut by a domain contact or by the
topography therefore appear as one table row **per domain present**, each with its own
volume fraction, so volume (and tonnage) is conserved across contacts;
:meth:`BlockModel.parent_blocks` sums them back to one row per block.

Speed: the centroid of every block is first coded with one query per domain; a block whose
nearest domain wins by more than the block's own anisotropic diameter, and lies wholly
inside or wholly outside ``max_distance``, is coded without looking at its sub-cells
(triangle inequality). Only the other blocks are coded sub-cell by sub-cell; the result is
the same as coding every sub-cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import LinearNDInterpolator, RegularGridInterpolator
from scipy.spatial import cKDTree

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.rotation import anisotropy_matrix
from mine2magnet.parallel import map_chunks

__all__ = [
    "BlockGrid",
    "BlockModel",
    "DomainCoding",
    "Topography",
    "code_domains",
]


@dataclass(frozen=True)
class BlockGrid:
    """Geometry of a regular (optionally z-rotated) block grid.

    Parameters
    ----------
    origin : tuple of float
        Corner of block (0, 0, 0): easting, northing, elevation [m].
    block_size : tuple of float
        Block size along i, j, k [m].
    counts : tuple of int
        Blocks along i, j, k [-].
    rotation_deg : float
        Clockwise rotation about z seen from above; the j axis points to this
        azimuth [deg].

    Examples
    --------
    >>> g = BlockGrid((0.0, 0.0, 0.0), (10.0, 10.0, 5.0), (3, 2, 2))
    >>> g.centroids([0, 2], [0, 1], [0, 1]).tolist()
    [[5.0, 5.0, 2.5], [25.0, 15.0, 7.5]]
    """

    origin: tuple[float, float, float]
    block_size: tuple[float, float, float]
    counts: tuple[int, int, int]
    rotation_deg: float = 0.0

    def __post_init__(self) -> None:
        o = tuple(float(v) for v in np.asarray(self.origin, dtype=float).ravel())
        s = tuple(float(v) for v in np.asarray(self.block_size, dtype=float).ravel())
        c = tuple(int(v) for v in np.asarray(self.counts).ravel())
        if len(o) != 3 or not all(math.isfinite(v) for v in o):
            raise ConfigError(f"grid origin {self.origin!r} must be three finite numbers [m]")
        if len(s) != 3 or not all(math.isfinite(v) and v > 0 for v in s):
            raise ConfigError(f"block_size {self.block_size!r} must be three lengths > 0 [m]")
        if len(c) != 3 or not all(v >= 1 for v in c):
            raise ConfigError(f"counts {self.counts!r} must be three integers ≥ 1")
        if not math.isfinite(float(self.rotation_deg)):
            raise ConfigError(f"rotation_deg {self.rotation_deg!r} must be finite")
        object.__setattr__(self, "origin", o)
        object.__setattr__(self, "block_size", s)
        object.__setattr__(self, "counts", c)
        object.__setattr__(self, "rotation_deg", float(self.rotation_deg))

    @property
    def n_blocks(self) -> int:
        """Number of blocks in the grid [-]."""
        return self.counts[0] * self.counts[1] * self.counts[2]

    @property
    def block_volume_m3(self) -> float:
        """Volume of one block [m³]."""
        return self.block_size[0] * self.block_size[1] * self.block_size[2]

    def axes(self) -> NDArray[np.float64]:
        """Unit vectors (east, north, up) of the i, j, k axes as rows [-]."""
        r = math.radians(self.rotation_deg)
        c, s = math.cos(r), math.sin(r)
        return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    def to_world(self, local: ArrayLike) -> NDArray[np.float64]:
        """Grid-frame coordinates (along i, j, k from the origin) → world [m]."""
        p = np.asarray(local, dtype=float)
        return p @ self.axes() + np.asarray(self.origin)

    def to_local(self, world: ArrayLike) -> NDArray[np.float64]:
        """World coordinates → grid frame (along i, j, k from the origin) [m]."""
        p = np.asarray(world, dtype=float)
        return (p - np.asarray(self.origin)) @ self.axes().T

    def centroids(self, i: ArrayLike, j: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
        """World coordinates of block centres ``(m, 3)`` [m]."""
        ijk = np.column_stack([np.asarray(i), np.asarray(j), np.asarray(k)]).astype(float)
        return self.to_world((ijk + 0.5) * np.asarray(self.block_size))

    def unravel(self, index: ArrayLike) -> tuple[NDArray[np.int64], ...]:
        """Flat index → (i, j, k) [-]."""
        nx, ny, _ = self.counts
        idx = np.asarray(index, dtype=np.int64)
        return idx % nx, (idx // nx) % ny, idx // (nx * ny)

    def ravel(self, i: ArrayLike, j: ArrayLike, k: ArrayLike) -> NDArray[np.int64]:
        """(i, j, k) → flat index ``i + nx·(j + ny·k)`` [-]."""
        nx, ny, _ = self.counts
        return np.asarray(i, np.int64) + nx * (np.asarray(j, np.int64) + ny * np.asarray(k))


@dataclass(frozen=True)
class BlockModel:
    """A regular block model: grid definition and one row per (block, domain).

    Attributes
    ----------
    origin, block_size, counts, rotation_deg
        Grid definition, see :class:`BlockGrid` [m], [m], [-], [deg].
    table : pandas.DataFrame
        ``i``, ``j``, ``k``, centroid ``easting``, ``northing``, ``elevation`` [m],
        ``domain``, ``volume_fraction`` [-], ``volume_m3``, ``density_t_m3``, ``tonnes``,
        the estimated grade columns (NaN in domains not estimated) [%], the
        diagnostics of the primary column ``kv`` [%²], ``slope``, ``ke`` [-],
        ``n_samples`` [-], ``mean_distance_m`` [m], ``pass`` [-] (0 = not estimated),
        and comparison estimates ``<name>_id<p>_pct``, ``<name>_nn_pct``. Rows are
        ordered by k, j, i, domain.
    grade_columns : tuple of str
        The estimated grade columns.
    primary_column : str
        The column the diagnostics refer to.
    """

    origin: tuple[float, float, float]
    block_size: tuple[float, float, float]
    counts: tuple[int, int, int]
    rotation_deg: float
    table: pd.DataFrame = field(repr=False)
    grade_columns: tuple[str, ...] = ()
    primary_column: str = "TREO_pct"

    @property
    def grid(self) -> BlockGrid:
        """The grid geometry."""
        return BlockGrid(self.origin, self.block_size, self.counts, self.rotation_deg)

    def grid_frame(self) -> pd.DataFrame:
        """The grid definition as a one-row table (for the project store)."""
        return pd.DataFrame(
            {
                "origin_easting": [self.origin[0]],
                "origin_northing": [self.origin[1]],
                "origin_elevation": [self.origin[2]],
                "block_size_i_m": [self.block_size[0]],
                "block_size_j_m": [self.block_size[1]],
                "block_size_k_m": [self.block_size[2]],
                "count_i": [self.counts[0]],
                "count_j": [self.counts[1]],
                "count_k": [self.counts[2]],
                "rotation_deg": [self.rotation_deg],
                "primary_column": [self.primary_column],
                "grade_columns": [",".join(self.grade_columns)],
            }
        )

    @classmethod
    def from_frames(cls, grid: pd.DataFrame, table: pd.DataFrame) -> BlockModel:
        """Inverse of (:meth:`grid_frame`, ``table``), e.g. when read from the store."""
        g = grid.iloc[0]
        cols = str(g["grade_columns"])
        return cls(
            origin=(float(g["origin_easting"]), float(g["origin_northing"]),
                    float(g["origin_elevation"])),
            block_size=(float(g["block_size_i_m"]), float(g["block_size_j_m"]),
                        float(g["block_size_k_m"])),
            counts=(int(g["count_i"]), int(g["count_j"]), int(g["count_k"])),
            rotation_deg=float(g["rotation_deg"]),
            table=table,
            grade_columns=tuple(c for c in cols.split(",") if c),
            primary_column=str(g["primary_column"]),
        )  # fmt: skip

    def parent_blocks(self) -> pd.DataFrame:
        """One row per block: summed volume and tonnes, tonnage-weighted grades.

        Returns
        -------
        pandas.DataFrame
            ``i``, ``j``, ``k``, ``easting``, ``northing``, ``elevation`` [m],
            ``domain`` (the domain with the largest volume fraction),
            ``volume_fraction`` [-], ``volume_m3``, ``tonnes``, ``density_t_m3`` and the
            grade columns weighted by the tonnes of the rows that have them [%].
        """
        t = self.table
        if t.empty:
            return t.copy()
        key = ["k", "j", "i"]
        order = t.sort_values([*key, "volume_fraction"], ascending=[True] * 3 + [False],
                              kind="stable")  # fmt: skip
        first = order.drop_duplicates(key)[[*key, "easting", "northing", "elevation", "domain"]]
        g = t.groupby(key, sort=True)
        sums = g[["volume_fraction", "volume_m3", "tonnes"]].sum()
        out = first.set_index(key).join(sums)
        for c in self.grade_columns:
            w = np.where(np.isfinite(t[c]), t["tonnes"], 0.0)
            num = (
                pd.Series(np.nan_to_num(t[c].to_numpy()) * w, index=t.index)
                .groupby([t[k] for k in key])
                .sum()
            )
            den = pd.Series(w, index=t.index).groupby([t[k] for k in key]).sum()
            out[c] = (num / den.where(den > 0)).reindex(out.index)
        out["density_t_m3"] = out["tonnes"] / out["volume_m3"].where(out["volume_m3"] > 0)
        out = out.reset_index()
        lead = ["i", "j", "k", "easting", "northing", "elevation", "domain",
                "volume_fraction", "volume_m3", "density_t_m3", "tonnes"]  # fmt: skip
        return out[lead + list(self.grade_columns)]


# ---------------------------------------------------------------------- topography


@dataclass(frozen=True)
class Topography:
    """A ground surface from points, linear between them.

    When the points form a complete rectangular lattice the surface is bilinear in each
    lattice cell; otherwise it is linear on their Delaunay triangulation. Outside the
    points' extent the elevation of the nearest point is used.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 3)`` easting, northing, elevation [m].

    Examples
    --------
    >>> t = Topography(np.array([[0, 0, 10], [10, 0, 20], [0, 10, 10], [10, 10, 20.0]]))
    >>> t.elevation([5.0, 50.0], [5.0, 5.0]).tolist()
    [15.0, 20.0]
    """

    points: NDArray[np.float64] = field(repr=False)

    def __post_init__(self) -> None:
        p = np.asarray(self.points, dtype=float)
        if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 3:
            raise DataError(f"topography needs at least 3 (x, y, z) points, got {p.shape}")
        if not np.all(np.isfinite(p)):
            raise DataError("topography has NaN or infinite coordinates; drop those rows")
        object.__setattr__(self, "points", p)

    def _interpolator(self) -> Any:
        p = self.points
        xs, ys = np.unique(p[:, 0]), np.unique(p[:, 1])
        if xs.size * ys.size == p.shape[0] and xs.size >= 2 and ys.size >= 2:
            ix = np.searchsorted(xs, p[:, 0])
            iy = np.searchsorted(ys, p[:, 1])
            grid = np.full((xs.size, ys.size), np.nan)
            grid[ix, iy] = p[:, 2]
            if np.all(np.isfinite(grid)):
                rgi = RegularGridInterpolator((xs, ys), grid, method="linear")

                def f(x: NDArray, y: NDArray) -> NDArray:
                    q = np.column_stack([np.clip(x, xs[0], xs[-1]), np.clip(y, ys[0], ys[-1])])
                    return rgi(q)

                return f
        lin = LinearNDInterpolator(p[:, :2], p[:, 2])
        tree = cKDTree(p[:, :2])

        def g(x: NDArray, y: NDArray) -> NDArray:
            q = np.column_stack([x, y])
            z = lin(q)
            bad = ~np.isfinite(z)
            if bad.any():
                z[bad] = p[tree.query(q[bad])[1], 2]
            return z

        return g

    def elevation(self, easting: ArrayLike, northing: ArrayLike) -> NDArray[np.float64]:
        """Ground elevation at the given points [m].

        Parameters
        ----------
        easting, northing : array_like
            Coordinates [m].

        Returns
        -------
        numpy.ndarray
            Elevation [m].
        """
        x = np.asarray(easting, dtype=float).ravel()
        y = np.asarray(northing, dtype=float).ravel()
        return np.asarray(self._interpolator()(x, y), dtype=float)


# ------------------------------------------------------------------- domain coding


@dataclass(frozen=True)
class DomainCoding:
    """Result of :func:`code_domains`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (block, domain): ``block`` (flat index), ``i``, ``j``, ``k``,
        ``domain``, ``volume_fraction`` [-]; ordered by block, then domain.
    summary : pandas.DataFrame
        ``domain`` (and ``(above topography)``, ``(not coded)``), ``subcells``,
        ``volume_m3`` and ``source`` (``nearest_composite``, ``default_domain``, ``excluded``).
    """

    table: pd.DataFrame
    summary: pd.DataFrame


def _subcell_offsets(grid: BlockGrid, sub: Sequence[int]) -> NDArray[np.float64]:
    """Sub-cell centres relative to the block centre, in the grid frame, x fastest [m]."""
    axes = [((np.arange(n) + 0.5) / n - 0.5) * s for n, s in zip(sub, grid.block_size, strict=True)]
    gz, gy, gx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel(), gz.ravel()])


def _nearest_by_domain(
    trees: Sequence[cKDTree | None], P: NDArray[np.float64], bound: float
) -> NDArray[np.float64]:
    """Anisotropic distance to the nearest composite of each domain ``(m, n_domains)``."""
    out = np.full((P.shape[0], len(trees)), np.inf)
    for d, tree in enumerate(trees):
        if tree is not None and P.shape[0]:
            out[:, d] = tree.query(P, k=1, distance_upper_bound=bound)[0]
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _code_cells(P, rho, cand, dk, U, dom, keep, max_d, dflt, out):  # pragma: no cover
    """Code sub-cells from the ``k`` nearest composites of their block centre.

    A composite outside that set is at least ``dk[b] - rho[s]`` from sub-cell ``s``
    (triangle inequality), so the nearest in the set is the nearest overall when it is
    closer than that; otherwise the cell is marked ``-3`` for an exact query.
    """
    m, nsub, _ = P.shape
    n = U.shape[0]
    k = cand.shape[1]
    for b in range(m):
        for s in range(nsub):
            if not keep[b, s]:
                out[b, s] = -2
                continue
            best = np.inf
            bi = -1
            px = P[b, s, 0]
            py = P[b, s, 1]
            pz = P[b, s, 2]
            for q in range(k):
                j = cand[b, q]
                if j >= n:
                    continue
                dx = U[j, 0] - px
                dy = U[j, 1] - py
                dz = U[j, 2] - pz
                d2 = dx * dx + dy * dy + dz * dz
                if d2 < best or (d2 == best and j < bi):
                    best = d2
                    bi = j
            d = math.sqrt(best)
            outside = dk[b] - rho[s]  # lower bound for composites not in the set
            if d < outside:
                out[b, s] = dom[bi] if d <= max_d else dflt
            elif outside > max_d:
                out[b, s] = dflt  # nothing within max_distance, in or out of the set
            else:
                out[b, s] = -3


def _code_chunk(
    blocks: NDArray[np.int64],
    grid: BlockGrid,
    trees: tuple[cKDTree | None, ...],
    tree_all: cKDTree,
    U_all: NDArray[np.float64],
    dom_all: NDArray[np.int64],
    A: NDArray[np.float64],
    offsets: NDArray[np.float64],
    rho: NDArray[np.float64],
    radius: float,
    max_distance: float,
    default: int,
    topo_z: NDArray[np.float64] | None,
    sub: tuple[int, int, int],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Code the sub-cells of a chunk of blocks; returns (block, code, count) triples.

    Codes: domain index ``d`` (nearest composite), ``n_domains + d`` (default domain),
    ``-1`` not coded, ``-2`` above topography.
    """
    nd = len(trees)
    nsub = offsets.shape[0]
    dflt = nd + default if default >= 0 else -1  # default-coded cells: nd + domain index
    i, j, k = grid.unravel(blocks)
    cen = grid.centroids(i, j, k)
    # far bound: beyond it nothing changes (default or not coded)
    bound = max_distance + 2.0 * radius + 1e-9
    dc = _nearest_by_domain(trees, cen @ A.T, bound)
    best = np.argmin(dc, axis=1)
    dbest = dc[np.arange(blocks.size), best]
    others = np.where(np.arange(nd)[None, :] == best[:, None], np.inf, dc)
    dsecond = others.min(axis=1) if nd > 1 else np.full(blocks.size, np.inf)
    clear_win = dsecond - radius > dbest + radius
    all_in = clear_win & (dbest + radius <= max_distance)
    all_out = dbest - radius > max_distance
    # topography: z of each sub-cell column of every block
    if topo_z is not None:
        nx, ny, _ = grid.counts
        sx, sy, sz = sub
        col = topo_z.reshape(ny, nx, sy, sx)[j, i]  # (m, sy, sx)
        # rotation is about z: world elevation = origin + local elevation
        zsub = (
            grid.origin[2]
            + (k[:, None] + 0.5) * grid.block_size[2]
            + offsets[:: sx * sy, 2][None, :sz]
        )  # (m, sz)
        above = (zsub[:, :, None, None] > col[:, None, :, :]).reshape(blocks.size, nsub)
    else:
        above = None
    # whole blocks: one domain wins clearly inside max_distance, or every cell is too
    # far, or the clear winner is the default domain (its cells end up in it either way)
    whole_default = clear_win & (best == default) if default >= 0 else np.zeros_like(clear_win)
    simple = all_in | all_out | whole_default
    codes = np.empty((blocks.size, nsub), dtype=np.int64)
    sel = simple & all_in
    codes[sel] = best[sel, None]
    sel = simple & ~all_in & (all_out | (dbest > max_distance))
    codes[sel] = dflt
    sel = simple & ~all_in & ~all_out & (dbest <= max_distance)
    codes[sel] = best[sel, None]  # default domain, counted as coded by its composites
    if above is not None:
        codes[simple[:, None] & above] = -2
    hard = np.flatnonzero(~simple)
    if hard.size:
        Uc = cen[hard] @ A.T
        P = Uc[:, None, :] + ((offsets @ grid.axes()) @ A.T)[None, :, :]  # cells, metric
        keep = np.ones((hard.size, nsub), dtype=np.bool_)
        if above is not None:
            keep = ~above[hard]
        n_all = U_all.shape[0]
        c = np.empty((hard.size, nsub), dtype=np.int64)
        if n_all:
            kq = min(16, n_all)
            dk, cand = tree_all.query(Uc, k=kq)
            dk = np.asarray(dk).reshape(hard.size, kq)
            cand = np.asarray(cand, dtype=np.int64).reshape(hard.size, kq)
            # the set holds every composite when k = n: nothing lies outside it
            kth = np.full(hard.size, np.inf) if kq == n_all else dk[:, -1]
            _code_cells(P, rho, cand, kth, U_all, dom_all, keep, max_distance, dflt, c)
            undecided = np.argwhere(c == -3)
            if undecided.size:
                Q = P[undecided[:, 0], undecided[:, 1]]
                dq, iq = tree_all.query(Q, k=1, distance_upper_bound=max_distance + 1e-9)
                ok = np.asarray(dq) <= max_distance
                c[undecided[:, 0], undecided[:, 1]] = np.where(
                    ok, dom_all[np.minimum(iq, n_all - 1)], dflt
                )
        else:
            c[:] = np.where(keep, dflt, -2)
        codes[hard] = c
    # count (block, code) pairs
    base = 2 * nd + 2
    key = (np.arange(blocks.size)[:, None] * base + (codes + 2)).reshape(-1)
    cnt = np.bincount(key, minlength=blocks.size * base)
    uk = np.flatnonzero(cnt)
    return blocks[uk // base], (uk % base) - 2, cnt[uk].astype(np.int64)


def code_domains(
    grid: BlockGrid,
    coords: ArrayLike,
    domain: ArrayLike,
    *,
    subcells: Sequence[int] = (3, 3, 3),
    ranges: Sequence[float] = (50.0, 50.0, 50.0),
    angles: Sequence[float] = (0.0, 0.0, 0.0),
    max_distance: float = 1.0,
    default_domain: str | None = None,
    topography: Topography | None = None,
    chunk_size: int = 20_000,
    executor: Any = "serial",
) -> DomainCoding:
    """Code blocks by the nearest composite's domain with sub-cell volume fractions.

    Parameters
    ----------
    grid : BlockGrid
        The grid.
    coords : array_like
        Composite mid-points ``(n, 3)`` [m].
    domain : array_like
        Domain code per composite (missing codes are ignored).
    subcells : sequence of int
        Sub-cells per block along i, j, k [-].
    ranges, angles : sequence of float
        Coding ellipsoid (major, semi-major, minor) [m] and its GSLIB angles [deg].
    max_distance : float
        Largest anisotropic distance to a composite that codes a sub-cell [-].
    default_domain : str, optional
        Domain of sub-cells farther than that; None leaves them out.
    topography : Topography, optional
        Sub-cells above it are left out.
    chunk_size : int
        Blocks per chunk [-].
    executor : str or dask.distributed.Client
        See :func:`~mine2magnet.parallel.map_chunks`.

    Returns
    -------
    DomainCoding

    Examples
    --------
    >>> g = BlockGrid((0.0, 0.0, 0.0), (10.0, 10.0, 10.0), (2, 1, 1))
    >>> xyz = [[2.0, 5.0, 5.0], [18.0, 5.0, 5.0]]
    >>> c = code_domains(g, xyz, ["A", "B"], subcells=(4, 1, 1), ranges=(100, 100, 100))
    >>> c.table[["i", "domain", "volume_fraction"]].values.tolist()
    [[0, 'A', 1.0], [1, 'B', 1.0]]
    """
    X = np.asarray(coords, dtype=float)
    dom = pd.Series(np.asarray(domain, dtype=object))
    if X.ndim != 2 or X.shape[1] != 3 or X.shape[0] != len(dom):
        raise DataError("composite coordinates (n, 3) and domains (n,) do not match")
    ok = dom.notna().to_numpy() & np.all(np.isfinite(X), axis=1)
    names = sorted(set(dom[ok].astype(str)))
    if default_domain is not None and default_domain not in names:
        names = sorted({*names, default_domain})
    sub = tuple(int(v) for v in subcells)
    if len(sub) != 3 or min(sub) < 1:
        raise ConfigError(f"subcells {list(subcells)} must be three integers ≥ 1")
    if not (math.isfinite(max_distance) and max_distance > 0):
        raise ConfigError(f"max_distance {max_distance!r} must be > 0")
    A = anisotropy_matrix(tuple(float(r) for r in ranges), *(float(a) for a in angles))
    code_of = {n: c for c, n in enumerate(names)}
    cc = np.array([code_of[str(d)] for d in dom[ok]], dtype=np.int64)
    U = X[ok] @ A.T
    trees = tuple(cKDTree(U[cc == c]) if np.any(cc == c) else None for c in range(len(names)))
    offsets = _subcell_offsets(grid, sub)
    # anisotropic distance from a block centre to each of its sub-cell centres
    rho = np.linalg.norm((offsets @ grid.axes()) @ A.T, axis=1)
    radius = float(rho.max())
    default = code_of[default_domain] if default_domain is not None else -1
    topo_z = None
    if topography is not None:
        nx, ny, _ = grid.counts
        jj, ii = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        local = np.zeros((ny, nx, sub[1], sub[0], 3))
        base = np.stack([(ii + 0.5) * grid.block_size[0], (jj + 0.5) * grid.block_size[1]], -1)
        offs_xy = offsets[: sub[0] * sub[1], :2].reshape(sub[1], sub[0], 2)
        local[..., :2] = base[:, :, None, None, :] + offs_xy[None, None, :, :, :]
        w = grid.to_world(local.reshape(-1, 3))
        topo_z = topography.elevation(w[:, 0], w[:, 1])
    n = grid.n_blocks
    chunks = [np.arange(s, min(s + chunk_size, n), dtype=np.int64) for s in range(0, n, chunk_size)]
    parts = map_chunks(
        _code_chunk,
        chunks,
        executor=executor,
        args=(
            grid,
            trees,
            cKDTree(U),
            np.ascontiguousarray(U),
            cc,
            A,
            offsets,
            rho,
            radius,
            float(max_distance),
            default,
            topo_z,
            sub,
        ),
    )
    blk = np.concatenate([p[0] for p in parts])
    code = np.concatenate([p[1] for p in parts])
    cnt = np.concatenate([p[2] for p in parts])
    nd = len(names)
    nsub = offsets.shape[0]
    dom_idx = np.where(code >= 0, code % max(nd, 1), -1)
    names_arr = np.array([*names, ""], dtype=object)
    label = np.where(
        code >= 0,
        names_arr[np.where(code >= 0, dom_idx, nd)],
        np.where(code == -2, "(above topography)", "(not coded)"),
    )
    source = np.select([code < 0, code >= nd], ["excluded", "default_domain"], "nearest_composite")
    sm = pd.DataFrame({"domain": label, "source": source, "subcells": cnt})
    summary = sm.groupby(["domain", "source"], sort=True, as_index=False)["subcells"].sum()
    summary["volume_m3"] = summary["subcells"] * (grid.block_volume_m3 / nsub)
    keep = code >= 0
    # default-coded and composite-coded cells of one domain merge into one row
    bk = blk[keep] * (nd + 1) + dom_idx[keep]
    ub, inv = np.unique(bk, return_inverse=True)
    ccount = np.bincount(inv.ravel(), weights=cnt[keep], minlength=ub.size)
    ublk = ub // (nd + 1)
    i, j, k = grid.unravel(ublk)
    table = pd.DataFrame(
        {
            "block": ublk,
            "i": i,
            "j": j,
            "k": k,
            "domain": np.array(names, dtype=object)[ub % (nd + 1)],
            "volume_fraction": ccount / nsub,
        }
    )
    return DomainCoding(table, summary)
