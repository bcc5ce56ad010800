"""Sequential Gaussian simulation (SGS) of normal scores, several grades, and blocks.

Algorithm (Deutsch & Journel 1998, GSLIB ``sgsim``; conventions only, code written
here):

1. The data are normal-score transformed (:class:`~.normal_score.NormalScoreTransform`,
   declustering weights and tails), the normal-score variogram has a sill of 1.
2. The target nodes are visited along a **seeded random path**. With
   ``multiple_grids`` the path first visits a coarse subset — one node per cell of
   ``8 s``, then ``4 s`` and ``2 s`` (``s`` the node spacing along each axis; the first
   node of the random order in each cell is taken) — and then the remaining nodes, each
   group in random order. This is GSLIB's multiple-grid idea for arbitrary point sets:
   the long ranges are informed early, when the neighbourhood still reaches far.
3. At each node, **simple kriging** with mean 0 and the unit-sill model uses the
   ``max_data`` nearest conditioning data and the ``max_previous`` nearest previously
   simulated nodes inside the search ellipsoid (nearest in anisotropic distance, ties by
   storage order). Data and simulated nodes are bucketed in two cell grids of the
   search space (cell sizes from their densities); the cells are scanned in a fixed
   spiral order (GSLIB's spiral search) and each scan stops once its list is full and no
   nearer point can be found. Nodes are copied into their cell's slot as they are
   simulated (contiguous memory per cell).
4. The node value is the SK estimate plus ``σ_SK`` times a standard normal draw; the
   draws and the path come from ``numpy.random.default_rng(seed)``, so a seed gives the
   same realisation.
5. A node within 1e-9 m of a conditioning datum takes the datum's value (GSLIB assigns
   data to nodes); it is not added to the simulated set (the datum already is).

The unit covariances are those of :mod:`.variogram` (GSLIB shapes, practical ranges;
the formula of ``kriging._cov_r2``). The SK system is solved by a row Cholesky of the
matrix augmented with the target (:func:`_chol_aug`): its last row is ``L⁻¹c`` and its
last pivot the SK variance. The kernels use ``fastmath={"reassoc", "nsz"}`` so that dot
products vectorise (no FMA contraction, no approximate functions): results are
bit-identical for a seed on one machine; a CPU with another vector width may change
the last bits. A singular system (which needs two coincident points with no nugget)
falls back to an unconditional draw and is counted.

Several grades (TREO and its oxides): see :class:`CompositionalTransform`.
Change of support to blocks: :func:`simulate_blocks`.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.normal_score import NormalScoreTransform
from mine2magnet.geostats.search import SearchParameters
from mine2magnet.geostats.variogram import ZERO_LAG_M, Structure, VariogramModel

__all__ = [
    "CompositionalTransform",
    "SimulationParams",
    "SimulationStats",
    "multiple_grid_path",
    "ns_variogram_from_table",
    "sgs",
    "sgs_grades",
    "sgs_values",
    "simulate_blocks",
]

_MAX_CELLS = 1 << 22
_NODES_PER_CELL = 1.5
_DATA_PER_CELL = 2.0
_FM = {"reassoc", "nsz"}  # lets dot products vectorise; no FMA contraction, no approximations


# ----------------------------------------------------------------------- kernel


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _insert(key, idx, m, K, d2, j):  # pragma: no cover - compiled
    """Insert (d2, j) into the sorted top-K lists of length m; returns the new length."""
    if m == K:
        w = key[K - 1]
        if d2 > w or (d2 == w and j > idx[K - 1]):
            return m
        pos = K - 1
    else:
        pos = m
        m += 1
    while pos > 0 and (key[pos - 1] > d2 or (key[pos - 1] == d2 and idx[pos - 1] > j)):
        key[pos] = key[pos - 1]
        idx[pos] = idx[pos - 1]
        pos -= 1
    key[pos] = d2
    idx[pos] = j
    return m


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def _fill_cov(C, Px, Py, Pz, n, kinds, sills, c0):  # pragma: no cover - compiled
    """Lower triangle of the covariance matrix of points ``0..n`` (``n`` = target).

    Rows are contiguous and the structure kind is hoisted out of the inner loop, so
    the loop vectorises; the unit covariances are those of :func:`.kriging._cov_r2`.
    """
    nst = Px.shape[0]
    for i in range(n + 1):
        row = C[i]
        for k in range(i):
            row[k] = 0.0
        for s in range(nst):
            px = Px[s, i]
            py = Py[s, i]
            pz = Pz[s, i]
            sl = sills[s]
            kd = kinds[s]
            if kd == 0:
                for k in range(i):
                    dx = px - Px[s, k]
                    dy = py - Py[s, k]
                    dz = pz - Pz[s, k]
                    r2 = min(dx * dx + dy * dy + dz * dz, 1.0)
                    r = math.sqrt(r2)
                    row[k] += sl * (1.0 - r * (1.5 - 0.5 * r2))
            elif kd == 1:
                for k in range(i):
                    dx = px - Px[s, k]
                    dy = py - Py[s, k]
                    dz = pz - Pz[s, k]
                    row[k] += sl * math.exp(-3.0 * math.sqrt(dx * dx + dy * dy + dz * dz))
            else:
                for k in range(i):
                    dx = px - Px[s, k]
                    dy = py - Py[s, k]
                    dz = pz - Pz[s, k]
                    row[k] += sl * math.exp(-3.0 * (dx * dx + dy * dy + dz * dz))
        row[i] = c0


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def _chol_aug(C, inv, n, tiny):  # pragma: no cover - compiled
    """In-place row Cholesky of the ``(n+1)``-order augmented SK matrix ``[[C, c], [cᵀ, c0]]``.

    Rows ``0..n-1`` become ``L``, row ``n`` becomes ``y = L⁻¹c`` and the returned last
    pivot is the SK variance ``c0 - cᵀC⁻¹c`` (clipped at 0). Returns -1 when ``C`` is not
    positive definite. Dot products run over contiguous row prefixes.
    """
    i = 0
    while i <= n:
        r = min(4, n + 1 - i)
        j0 = 0
        if r == 4:
            # four rows together: each row j of L is loaded once for four dot products
            for j in range(i):
                a0 = C[i, j]
                a1 = C[i + 1, j]
                a2 = C[i + 2, j]
                a3 = C[i + 3, j]
                for k in range(j):
                    ljk = C[j, k]
                    a0 -= C[i, k] * ljk
                    a1 -= C[i + 1, k] * ljk
                    a2 -= C[i + 2, k] * ljk
                    a3 -= C[i + 3, k] * ljk
                f = inv[j]
                C[i, j] = a0 * f
                C[i + 1, j] = a1 * f
                C[i + 2, j] = a2 * f
                C[i + 3, j] = a3 * f
            j0 = i
        for ii in range(i, i + r):
            for j in range(j0, ii + 1):
                acc = C[ii, j]
                for k in range(j):
                    acc -= C[ii, k] * C[j, k]
                if j < ii:
                    C[ii, j] = acc * inv[j]
                elif ii < n:
                    if acc <= tiny:
                        return -1.0
                    d = math.sqrt(acc)
                    C[ii, ii] = d
                    inv[ii] = 1.0 / d
                else:
                    return max(acc, 0.0)
        i += r
    return 0.0


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FM)
def _sgs_kernel(
    path,
    draws,
    ST,
    SD,
    CTf,
    CDf,
    zd,
    coincide,
    kinds,
    sills,
    nugget,
    dorigin,
    dcellsz,
    ddims,
    dtmpl,
    dtmin2,
    dstart,
    norigin,
    ncellsz,
    ndims,
    ntmpl,
    ntmin2,
    ncell,
    nstart,
    nfill,
    NS,
    NCf,
    NZ,
    max_data,
    max_prev,
    out,
    stats,
):  # pragma: no cover - compiled
    nst = sills.shape[0]
    c0 = nugget
    for s in range(nst):
        c0 += sills[s]
    tiny = 1e-12 * c0
    K = max_data + max_prev
    dkey = np.empty(max(max_data, 1))
    didx = np.empty(max(max_data, 1), dtype=np.int64)
    nkey = np.empty(max(max_prev, 1))
    nidx = np.empty(max(max_prev, 1), dtype=np.int64)
    Px = np.empty((nst, K + 1))
    Py = np.empty((nst, K + 1))
    Pz = np.empty((nst, K + 1))
    C = np.zeros((K + 1, K + 1))
    inv = np.empty(K + 1)
    w = np.empty(K)
    zv = np.empty(K)
    for q in range(path.size):
        t = path[q]
        cd = coincide[t]
        if cd >= 0:
            out[t] = zd[cd]
            stats[0] += 1
            continue
        tx = ST[t, 0]
        ty = ST[t, 1]
        tz = ST[t, 2]
        md = 0
        if max_data > 0:
            cx = math.floor((tx - dorigin[0]) / dcellsz)
            cy = math.floor((ty - dorigin[1]) / dcellsz)
            cz = math.floor((tz - dorigin[2]) / dcellsz)
            for k in range(dtmpl.shape[0]):
                if md == max_data and dtmin2[k] > dkey[md - 1]:
                    break
                ix = cx + dtmpl[k, 0]
                iy = cy + dtmpl[k, 1]
                iz = cz + dtmpl[k, 2]
                if ix < 0 or iy < 0 or iz < 0 or ix >= ddims[0] or iy >= ddims[1] or iz >= ddims[2]:
                    continue
                c = (iz * ddims[1] + iy) * ddims[0] + ix
                for p in range(dstart[c], dstart[c + 1]):
                    dx = SD[p, 0] - tx
                    dy = SD[p, 1] - ty
                    dz = SD[p, 2] - tz
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 <= 1.0 + 2e-9:
                        md = _insert(dkey, didx, md, max_data, d2, p)
        mn = 0
        if max_prev > 0:
            cx = math.floor((tx - norigin[0]) / ncellsz)
            cy = math.floor((ty - norigin[1]) / ncellsz)
            cz = math.floor((tz - norigin[2]) / ncellsz)
            fx = (tx - norigin[0]) / ncellsz - cx
            fy = (ty - norigin[1]) / ncellsz - cy
            fz = (tz - norigin[2]) / ncellsz - cz
            for k in range(ntmpl.shape[0]):
                if mn == max_prev and ntmin2[k] > nkey[mn - 1]:
                    break
                ix = cx + ntmpl[k, 0]
                iy = cy + ntmpl[k, 1]
                iz = cz + ntmpl[k, 2]
                if ix < 0 or iy < 0 or iz < 0 or ix >= ndims[0] or iy >= ndims[1] or iz >= ndims[2]:
                    continue
                if mn == max_prev:
                    gx = 0.0
                    if ntmpl[k, 0] > 0:
                        gx = (ntmpl[k, 0] - fx) * ncellsz
                    elif ntmpl[k, 0] < 0:
                        gx = (fx - ntmpl[k, 0] - 1.0) * ncellsz
                    gy = 0.0
                    if ntmpl[k, 1] > 0:
                        gy = (ntmpl[k, 1] - fy) * ncellsz
                    elif ntmpl[k, 1] < 0:
                        gy = (fy - ntmpl[k, 1] - 1.0) * ncellsz
                    gz = 0.0
                    if ntmpl[k, 2] > 0:
                        gz = (ntmpl[k, 2] - fz) * ncellsz
                    elif ntmpl[k, 2] < 0:
                        gz = (fz - ntmpl[k, 2] - 1.0) * ncellsz
                    if gx * gx + gy * gy + gz * gz > nkey[mn - 1]:
                        continue
                c = (iz * ndims[1] + iy) * ndims[0] + ix
                base = nstart[c]
                for p in range(base, base + nfill[c]):
                    dx = NS[p, 0] - tx
                    dy = NS[p, 1] - ty
                    dz = NS[p, 2] - tz
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 <= 1.0 + 2e-9:
                        mn = _insert(nkey, nidx, mn, max_prev, d2, p)
        n = md + mn
        # gather covariance-space coordinates (structure-major, contiguous) and values
        for i in range(md):
            j = didx[i]
            zv[i] = zd[j]
            for s in range(nst):
                Px[s, i] = CDf[j, 3 * s]
                Py[s, i] = CDf[j, 3 * s + 1]
                Pz[s, i] = CDf[j, 3 * s + 2]
        for i in range(mn):
            j = nidx[i]
            zv[md + i] = NZ[j]
            for s in range(nst):
                Px[s, md + i] = NCf[j, 3 * s]
                Py[s, md + i] = NCf[j, 3 * s + 1]
                Pz[s, md + i] = NCf[j, 3 * s + 2]
        for s in range(nst):  # the target is the last row of the augmented system
            Px[s, n] = CTf[t, 3 * s]
            Py[s, n] = CTf[t, 3 * s + 1]
            Pz[s, n] = CTf[t, 3 * s + 2]
        est = 0.0
        var = c0
        if n > 0:
            _fill_cov(C, Px, Py, Pz, n, kinds, sills, c0)
            var = _chol_aug(C, inv, n, tiny)
            if var >= 0.0:
                # λ = C⁻¹c = L⁻ᵀ y with y = L⁻¹c (row n of the augmented factor), so
                # λ·z = y·(L⁻¹z); the SK variance is the last pivot c0 - y·y
                for i in range(n):
                    acc = zv[i]
                    for k in range(i):
                        acc -= C[i, k] * w[k]
                    w[i] = acc * inv[i]
                for i in range(n):
                    est += C[n, i] * w[i]
            else:
                stats[1] += 1
                var = c0
        val = est + math.sqrt(var) * draws[q]
        out[t] = val
        stats[2] += n
        # the node joins the simulated set: stored in cell order, so a cell's nodes are
        # contiguous in memory when scanned (the random path would scatter them)
        c = ncell[t]
        pos = nstart[c] + nfill[c]
        nfill[c] += 1
        NS[pos, 0] = tx
        NS[pos, 1] = ty
        NS[pos, 2] = tz
        for a in range(3 * nst):
            NCf[pos, a] = CTf[t, a]
        NZ[pos] = val


# ------------------------------------------------------------------------ path


def multiple_grid_path(
    targets: ArrayLike, rng: np.random.Generator, *, levels: int = 3
) -> NDArray[np.int64]:
    """Random visiting order with coarse sub-grids first (multiple-grid path).

    Parameters
    ----------
    targets : array_like
        Node coordinates ``(m, 3)`` [m].
    rng : numpy.random.Generator
        Source of the random order.
    levels : int
        Coarse levels; level ``L`` takes one node per cell of ``2^L`` node spacings along
        each axis (the grid spacing per axis, e.g. 5 × 5 × 2 m) [-].

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(m)``.
    """
    T = np.asarray(targets, dtype=float).reshape(-1, 3)
    m = T.shape[0]
    perm = rng.permutation(m).astype(np.int64)
    if levels < 1 or m < 8:
        return perm
    lo = T.min(axis=0)
    spacing = np.zeros(3)
    for a in range(3):  # per axis: the grid spacing (median step between distinct values)
        u = np.unique(T[:, a])
        if u.size > 1:
            step = np.diff(u)
            spacing[a] = float(np.median(step))
            if u.size > 0.5 * m:  # scattered points, not a grid: the mean spacing instead
                spacing[a] = float((u[-1] - u[0]) / m ** (1.0 / 3.0))
    spacing[spacing <= 0] = 1.0
    Tp = T[perm]
    taken = np.zeros(m, dtype=bool)
    parts = []
    for L in range(levels, 0, -1):
        size = spacing * 2.0**L
        free = np.flatnonzero(~taken)
        ijk = np.floor((Tp[free] - lo) / size).astype(np.int64)
        nd = ijk.max(axis=0) + 1
        key = ijk[:, 0] + nd[0] * (ijk[:, 1] + nd[1] * ijk[:, 2])
        _, first = np.unique(key, return_index=True)
        pick = free[np.sort(first)]  # the first free node (random order) per coarse cell
        taken[pick] = True
        parts.append(perm[pick])
    parts.append(perm[~taken])
    return np.concatenate(parts)


# ---------------------------------------------------------------------- driver


@dataclass(frozen=True)
class SimulationStats:
    """Counters of one SGS run.

    Attributes
    ----------
    n_nodes : int
        Nodes simulated (including those at data) [-].
    n_at_data : int
        Nodes that took a datum's value [-].
    n_singular : int
        Nodes whose kriging system was singular (unconditional draw) [-].
    mean_neighbours : float
        Mean number of data plus previous nodes used per kriged node [-].
    """

    n_nodes: int
    n_at_data: int
    n_singular: int
    mean_neighbours: float


def _struct_coords(model: VariogramModel, X: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(n, 3·nst)``: per point, its coordinates in each structure's range-normalised space."""
    nst = len(model.structures)
    if nst == 0:
        return np.zeros((X.shape[0], 0))
    A = np.array([s.matrix() for s in model.structures]).reshape(nst, 3, 3)
    return np.ascontiguousarray(np.einsum("nj,sij->nsi", X, A).reshape(X.shape[0], 3 * nst))


def _template(
    cell: float, reach: int, dims: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Cell offsets within the unit radius, by increasing smallest possible distance."""
    r = [np.arange(-min(reach, d - 1), min(reach, d - 1) + 1) for d in dims]
    g = np.stack(np.meshgrid(*r, indexing="ij"), axis=-1).reshape(-1, 3)
    gap = np.maximum(np.abs(g) - 1, 0) * cell
    d2 = (gap**2).sum(axis=1)
    keep = d2 <= 1.0 + 1e-6
    g, d2 = g[keep], d2[keep]
    order = np.lexsort((np.abs(g).sum(axis=1), d2))
    return np.ascontiguousarray(g[order].astype(np.int64)), np.ascontiguousarray(d2[order])


@dataclass(frozen=True)
class _CellGrid:
    """Regular cells in the search space (radius 1) and their spiral scan order."""

    origin: NDArray[np.float64]
    cell: float
    dims: NDArray[np.int64]
    tmpl: NDArray[np.int64]
    tmin2: NDArray[np.float64]

    @property
    def ncells(self) -> int:
        return int(np.prod(self.dims))

    @classmethod
    def build(
        cls, U: NDArray[np.float64], per_cell: float, cover: NDArray[np.float64] | None = None
    ) -> _CellGrid:
        """Cells sized for ``per_cell`` points of ``U``, covering ``U`` and ``cover``."""
        lo = U.min(axis=0)
        span = U.max(axis=0) - lo
        live = span > 1e-6
        vol = float(np.prod(np.where(live, span, 1.0)))
        cell = (per_cell * vol / max(U.shape[0], 1)) ** (1.0 / max(int(live.sum()), 1))
        cell = float(np.clip(cell, 1.0 / 40.0, 2.0))
        if cover is not None and cover.size:  # every target inside: offsets stay in the grid
            lo = np.minimum(lo, cover.min(axis=0))
            span = np.maximum(U.max(axis=0), cover.max(axis=0)) - lo
        lo = lo - 1e-9
        span = span + 2e-9
        dims = np.floor(span / cell).astype(np.int64) + 1
        if np.prod(dims.astype(float)) > _MAX_CELLS:
            cell *= (np.prod(dims.astype(float)) / _MAX_CELLS) ** (1.0 / 3.0) * 1.01
            dims = np.floor(span / cell).astype(np.int64) + 1
        tmpl, tmin2 = _template(cell, math.ceil(1.0 / cell) + 1, dims)
        return cls(lo, cell, dims, tmpl, tmin2)

    def cells(self, U: NDArray[np.float64]) -> NDArray[np.int64]:
        ijk = np.minimum(((U - self.origin) / self.cell).astype(np.int64), self.dims - 1)
        return ijk[:, 0] + self.dims[0] * (ijk[:, 1] + self.dims[1] * ijk[:, 2])


def sgs_values(
    targets_xyz: ArrayLike,
    data_xyz: ArrayLike,
    data_values_ns: ArrayLike,
    variogram_ns: VariogramModel,
    *,
    search: SearchParameters,
    seed: int | np.random.SeedSequence,
    max_data: int = 24,
    max_previous: int = 24,
    multiple_grids: bool = True,
) -> tuple[NDArray[np.float64], SimulationStats]:
    """:func:`sgs` that also returns the run's :class:`SimulationStats`."""
    T = np.ascontiguousarray(np.asarray(targets_xyz, dtype=float).reshape(-1, 3))
    X = np.asarray(data_xyz, dtype=float).reshape(-1, 3)
    z = np.asarray(data_values_ns, dtype=float).reshape(-1)
    if z.shape[0] != X.shape[0]:
        raise DataError(f"{z.shape[0]} data values for {X.shape[0]} data coordinates")
    if not np.all(np.isfinite(T)):
        raise DataError("target coordinates contain NaN or infinite values")
    ok = np.isfinite(z) & np.all(np.isfinite(X), axis=1)
    X, z = np.ascontiguousarray(X[ok]), np.ascontiguousarray(z[ok])
    if not isinstance(variogram_ns, VariogramModel):
        raise ConfigError("variogram_ns must be a VariogramModel (sill 1 for normal scores)")
    if not isinstance(search, SearchParameters):
        raise ConfigError("search must be SearchParameters (its ranges and angles are used)")
    if max_data < 0 or max_previous < 0 or max_data + max_previous < 1:
        raise ConfigError("max_data and max_previous must be ≥ 0, one of them ≥ 1")
    m, n = T.shape[0], X.shape[0]
    out = np.zeros(m)
    if m == 0:
        return out, SimulationStats(0, 0, 0, 0.0)
    rng = np.random.default_rng(seed)
    path = multiple_grid_path(T, rng) if multiple_grids else rng.permutation(m).astype(np.int64)
    draws = rng.standard_normal(m)
    # data coinciding with nodes
    coincide = np.full(m, -1, dtype=np.int64)
    if n:
        d, j = cKDTree(X).query(T, k=1, distance_upper_bound=ZERO_LAG_M * 10)
        hit = np.isfinite(d) & (d <= ZERO_LAG_M)
        coincide[hit] = j[hit]
    # cell grids in the search space: data (static) and nodes (filled as simulated)
    A = search.matrix()
    ST = np.ascontiguousarray(T @ A.T)
    SD = np.ascontiguousarray(X @ A.T) if n else np.zeros((0, 3))
    ng = _CellGrid.build(ST, per_cell=_NODES_PER_CELL)
    ncell = ng.cells(ST)
    nstart = np.concatenate([[0], np.cumsum(np.bincount(ncell, minlength=ng.ncells))])
    dg = _CellGrid.build(SD if n else ST, per_cell=_DATA_PER_CELL, cover=ST)
    if n:  # data stored in cell order (contiguous per cell)
        dcell = dg.cells(SD)
        dord = np.argsort(dcell, kind="stable").astype(np.int64)
        dstart = np.concatenate([[0], np.cumsum(np.bincount(dcell, minlength=dg.ncells))])
        rank = np.empty(n, dtype=np.int64)
        rank[dord] = np.arange(n)
        coincide = np.where(coincide >= 0, rank[np.maximum(coincide, 0)], -1)
    else:
        dord = np.zeros(0, dtype=np.int64)
        dstart = np.zeros(dg.ncells + 1, dtype=np.int64)
    nst = len(variogram_ns.structures)
    stats = np.zeros(3, dtype=np.int64)
    _sgs_kernel(
        path,
        draws,
        ST,
        np.ascontiguousarray(SD[dord]),
        _struct_coords(variogram_ns, T),
        _struct_coords(variogram_ns, X[dord]),
        np.ascontiguousarray(z[dord]),
        coincide,
        np.array([s.code for s in variogram_ns.structures], dtype=np.int64),
        np.array([s.sill for s in variogram_ns.structures], dtype=float),
        float(variogram_ns.nugget),
        dg.origin,
        dg.cell,
        dg.dims,
        dg.tmpl,
        dg.tmin2,
        dstart.astype(np.int64),
        ng.origin,
        ng.cell,
        ng.dims,
        ng.tmpl,
        ng.tmin2,
        ncell,
        nstart.astype(np.int64),
        np.zeros(ng.ncells, dtype=np.int64),
        np.empty((m, 3)),
        np.empty((m, 3 * nst)),
        np.empty(m),
        int(max_data) if n else 0,
        int(max_previous),
        out,
        stats,
    )
    kriged = m - int(stats[0])
    return out, SimulationStats(
        n_nodes=m,
        n_at_data=int(stats[0]),
        n_singular=int(stats[1]),
        mean_neighbours=float(stats[2]) / kriged if kriged else 0.0,
    )


def sgs(
    targets_xyz: ArrayLike,
    data_xyz: ArrayLike,
    data_values_ns: ArrayLike,
    variogram_ns: VariogramModel,
    *,
    max_data: int = 24,
    max_previous: int = 24,
    search: SearchParameters,
    seed: int | np.random.SeedSequence,
    multiple_grids: bool = True,
) -> NDArray[np.float64]:
    """Sequential Gaussian simulation of normal scores at target points.

    Parameters
    ----------
    targets_xyz : array_like
        Nodes to simulate ``(m, 3)`` (easting, northing, elevation) [m].
    data_xyz : array_like
        Conditioning data coordinates ``(n, 3)``; ``n`` may be 0 (unconditional) [m].
    data_values_ns : array_like
        Normal scores of the data ``(n,)``; NaN data are left out [-].
    variogram_ns : VariogramModel
        Normal-score variogram model (total sill 1; GSLIB angles) [-].
    max_data : int
        Most conditioning data per node [-].
    max_previous : int
        Most previously simulated nodes per node [-].
    search : SearchParameters
        Search ellipsoid (ranges [m], GSLIB angles [deg]); its sample limits are not
        used (``max_data``/``max_previous`` are).
    seed : int or numpy.random.SeedSequence
        Seed of the path and the draws; the same seed gives the same realisation.
    multiple_grids : bool
        Visit coarse sub-grids first (see module docstring).

    Returns
    -------
    numpy.ndarray
        Simulated normal scores ``(m,)`` [-].

    Examples
    --------
    >>> import numpy as np
    >>> from mine2magnet.geostats import SearchParameters, Structure, VariogramModel
    >>> g = np.column_stack([np.arange(50.0), np.zeros(50), np.zeros(50)])
    >>> vm = VariogramModel(0.0, (Structure("spherical", 1.0, 10.0),))
    >>> y = sgs(g, [[10.0, 0, 0]], [1.5], vm, search=SearchParameters(10.0), seed=1)
    >>> float(y[10])
    1.5
    """
    return sgs_values(
        targets_xyz,
        data_xyz,
        data_values_ns,
        variogram_ns,
        search=search,
        seed=seed,
        max_data=max_data,
        max_previous=max_previous,
        multiple_grids=multiple_grids,
    )[0]


def sgs_grades(
    targets_xyz: ArrayLike,
    data_xyz: ArrayLike,
    data_values: ArrayLike,
    variogram_ns: VariogramModel,
    *,
    search: SearchParameters,
    seed: int | np.random.SeedSequence,
    weights: ArrayLike | None = None,
    transform: NormalScoreTransform | None = None,
    max_data: int = 24,
    max_previous: int = 24,
    multiple_grids: bool = True,
) -> NDArray[np.float64]:
    """SGS in original units: normal-score transform, :func:`sgs`, back transform.

    Parameters
    ----------
    targets_xyz, data_xyz
        As in :func:`sgs` [m].
    data_values : array_like
        Data in original units; NaN are left out [grade].
    variogram_ns : VariogramModel
        Normal-score variogram (sill 1) [-].
    search, seed, max_data, max_previous, multiple_grids
        As in :func:`sgs`.
    weights : array_like, optional
        Declustering weights for the transform fit [-].
    transform : NormalScoreTransform, optional
        Transform (fitted or not; fitted here on the data and weights when not fitted).

    Returns
    -------
    numpy.ndarray
        Simulated values at the targets [grade]; equal to the datum at data nodes.
    """
    z = np.asarray(data_values, dtype=float).reshape(-1)
    nst = transform if transform is not None else NormalScoreTransform()
    if not hasattr(nst, "values_"):
        nst.fit(z, weights)
    y = sgs(
        targets_xyz,
        data_xyz,
        nst.transform(z),
        variogram_ns,
        search=search,
        seed=seed,
        max_data=max_data,
        max_previous=max_previous,
        multiple_grids=multiple_grids,
    )
    return nst.inverse_transform(y)


# ------------------------------------------------------------- several grades


class CompositionalTransform:
    """TREO and oxide shares as independent normal-score factors, and back.

    Method (stated for the project): the total ``T`` (``TREO_pct``) is normal-score
    transformed (``y0``); the shares ``s_k = part_k / T`` of the named parts (e.g.
    ``Nd2O3_pct``, ``Pr6O11_pct``) and of the rest (``T − Σ parts``) are written as
    additive log-ratios ``alr_k = ln(s_k / s_rest)``. The vector ``(y0, alr_1 … alr_p)`` is
    standardised and rotated by its principal components (PCA of the declustered
    covariance), which decorrelates it at lag 0; each factor is normal-score transformed
    and simulated independently. Back: factors → PCA → ``y0`` and the log-ratios →
    ``T = backtr(y0)``, shares by the inverse alr (they sum to 1), parts ``= T s_k`` and
    rest ``= T − Σ parts``, so the oxides sum to TREO to rounding, at every node and,
    because averaging is linear, in every block.

    Limits: PCA removes the correlation at lag 0 only (MAF would also remove it at one
    lag); the factors are simulated with one variogram each (by default the TREO
    normal-score model), and TREO's histogram is reproduced through ``y0`` approximately
    (``y0`` is not exactly Gaussian after the rotation).

    Parameters
    ----------
    total : str
        Total column, e.g. ``"TREO_pct"``.
    parts : sequence of str
        Part columns, e.g. ``("Nd2O3_pct", "Pr6O11_pct")``.
    rest : str
        Name of the rest column (``total − Σ parts``) in the output.
    floor : float
        Smallest share used in the log-ratios (zeros are raised to it) [-].

    Attributes
    ----------
    total_nst_ : NormalScoreTransform
        Transform of the total.
    mean_, scale_ : numpy.ndarray
        Centre and scale of ``(y0, alr…)`` [-].
    components_ : numpy.ndarray
        PCA rotation, columns are factors [-].
    factor_nst_ : list of NormalScoreTransform
        Transform of each factor.
    """

    def __init__(
        self,
        total: str = "TREO_pct",
        parts: Sequence[str] = ("Nd2O3_pct", "Pr6O11_pct"),
        rest: str = "other_REO_pct",
        *,
        floor: float = 1e-6,
    ) -> None:
        self.total = total
        self.parts = tuple(parts)
        self.rest = rest
        self.floor = floor

    @property
    def n_factors(self) -> int:
        """Number of factors simulated (1 + number of parts) [-]."""
        return 1 + len(self.parts)

    def _shares_alr(self, frame: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        missing = [c for c in (self.total, *self.parts) if c not in frame.columns]
        if missing:
            raise DataError(f"columns {missing} are missing for the compositional transform")
        T = frame[self.total].to_numpy(dtype=float)
        P = frame[list(self.parts)].to_numpy(dtype=float)
        if np.any(T[np.isfinite(T)] <= 0):
            raise DataError(f"{self.total} must be > 0 for the share log-ratios")
        S = np.column_stack([P, T - P.sum(axis=1)]) / T[:, None]
        S = np.maximum(S, self.floor)
        S /= S.sum(axis=1, keepdims=True)
        return T, np.log(S[:, :-1] / S[:, -1:])

    def fit(self, frame: pd.DataFrame, weights: ArrayLike | None = None) -> CompositionalTransform:
        """Fit the total's transform, the PCA and the factor transforms.

        Parameters
        ----------
        frame : pandas.DataFrame
            Samples with the total and part columns [%].
        weights : array_like, optional
            Declustering weights [-].

        Returns
        -------
        CompositionalTransform
            ``self``.
        """
        T, alr = self._shares_alr(frame)
        w = np.ones(T.size) if weights is None else np.asarray(weights, dtype=float)
        ok = np.isfinite(T) & np.all(np.isfinite(alr), axis=1) & np.isfinite(w)
        if ok.sum() < 2:
            raise DataError("the compositional transform needs at least two complete samples")
        self.total_nst_ = NormalScoreTransform().fit(T[ok], w[ok])
        V = np.column_stack([self.total_nst_.transform(T[ok]), alr[ok]])
        wk = w[ok] / w[ok].sum()
        self.mean_ = wk @ V
        self.scale_ = np.sqrt(wk @ (V - self.mean_) ** 2)
        self.scale_[self.scale_ <= 0] = 1.0
        Vs = (V - self.mean_) / self.scale_
        cov = (Vs * wk[:, None]).T @ Vs
        val, vec = np.linalg.eigh(cov)
        order = np.argsort(val)[::-1]
        vec = vec[:, order]
        vec *= np.where(vec[np.argmax(np.abs(vec), axis=0), range(vec.shape[1])] < 0, -1, 1)
        self.components_ = vec
        F = Vs @ vec
        self.factor_nst_ = []
        for k in range(F.shape[1]):
            f = F[:, k]
            lo, hi, med = f.min(), f.max(), float(np.median(f))
            nst = NormalScoreTransform(
                zmin=lo - max(med - lo, 1e-9), upper_tail="linear", zmax=hi + max(hi - med, 1e-9)
            )
            self.factor_nst_.append(nst.fit(f, w[ok]))
        return self

    def transform(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Normal scores of the factors ``(n, n_factors)`` of samples [-]."""
        T, alr = self._shares_alr(frame)
        V = np.column_stack([self.total_nst_.transform(T), alr])
        F = ((V - self.mean_) / self.scale_) @ self.components_
        return np.column_stack([n.transform(F[:, k]) for k, n in enumerate(self.factor_nst_)])

    def inverse_transform(self, scores: ArrayLike) -> pd.DataFrame:
        """Total, parts and rest from factor normal scores ``(m, n_factors)``.

        Returns
        -------
        pandas.DataFrame
            Columns ``total``, ``parts…``, ``rest`` [%]; total = Σ parts + rest.
        """
        Y = np.asarray(scores, dtype=float).reshape(-1, self.n_factors)
        F = np.column_stack([n.inverse_transform(Y[:, k]) for k, n in enumerate(self.factor_nst_)])
        V = (F @ self.components_.T) * self.scale_ + self.mean_
        T = self.total_nst_.inverse_transform(V[:, 0])
        E = np.exp(
            np.column_stack([V[:, 1:], np.zeros(len(V))]) - V[:, 1:].max(axis=1, initial=0)[:, None]
        )
        S = E / E.sum(axis=1, keepdims=True)
        P = T[:, None] * S[:, :-1]
        out = {self.total: T}
        out.update({c: P[:, k] for k, c in enumerate(self.parts)})
        out[self.rest] = T - P.sum(axis=1)
        return pd.DataFrame(out)


# ------------------------------------------------------------ blocks (support)


@dataclass(frozen=True)
class SimulationParams:
    """Settings of a block simulation run.

    Parameters
    ----------
    variogram_ns : VariogramModel
        Normal-score variogram (sill 1); see :func:`ns_variogram_from_table` [-].
    search : SearchParameters
        Search ellipsoid for data and previously simulated nodes (ranges [m]).
    max_data, max_previous : int
        Neighbours per node [-].
    discretisation : tuple of int
        Simulated points per block along i, j, k [-].
    multiple_grids : bool
        Multiple-grid path.
    declustering_cell_m : float
        Cell size of the declustering weights of the normal-score fit; 0 = equal [m].
    factor_variograms : tuple of VariogramModel
        Models of the compositional factors; empty = ``variogram_ns`` for all.
    rest_column : str
        Name of the rest column (TREO − Σ parts) when simulating several grades.
    """

    variogram_ns: VariogramModel
    search: SearchParameters
    max_data: int = 24
    max_previous: int = 24
    discretisation: tuple[int, int, int] = (2, 2, 2)
    multiple_grids: bool = True
    declustering_cell_m: float = 0.0
    factor_variograms: tuple[VariogramModel, ...] = field(default_factory=tuple)
    rest_column: str = "other_REO_pct"


def ns_variogram_from_table(table: pd.DataFrame, domain: str, column: str) -> VariogramModel:
    """Normal-score model from an ``estimation__variogram_models`` table, sill rescaled to 1.

    First approximation, stated: the grade model's nugget and structures are kept and
    every sill is divided by the total sill, so the normal-score model has the grade
    model's relative nugget and ranges. A ``column`` without its own rows uses ``*``.

    Parameters
    ----------
    table : pandas.DataFrame
        ``domain``, ``column``, ``structure`` (0 = nugget), ``kind``, ``sill_pct2``,
        ``range_major_m``, ``range_semi_m``, ``range_minor_m``, ``azimuth_deg``,
        ``dip_deg``, ``rake_deg``.
    domain, column : str
        Which model.

    Returns
    -------
    VariogramModel
        Total sill 1 [-].
    """
    t = table[table["domain"].astype(str) == str(domain)]
    sel = t[t["column"] == column]
    if sel.empty:
        sel = t[t["column"] == "*"]
    if sel.empty:
        raise ConfigError(f"no variogram model for domain {domain!r}, column {column!r}")
    sel = sel.sort_values("structure")
    total = float(sel["sill_pct2"].sum())
    if not total > 0:
        raise ConfigError(f"variogram model of domain {domain!r} has a zero total sill")
    nug = float(sel.loc[sel["structure"] == 0, "sill_pct2"].sum()) / total
    structs = tuple(
        Structure(
            str(r.kind),
            float(r.sill_pct2) / total,
            (float(r.range_major_m), float(r.range_semi_m), float(r.range_minor_m)),
            (float(r.azimuth_deg), float(r.dip_deg), float(r.rake_deg)),
        )
        for r in sel[sel["structure"] > 0].itertuples()
    )
    return VariogramModel(nug, structs)


def _block_points(block_model, rows: pd.DataFrame, disc) -> NDArray[np.float64]:
    bs = np.asarray(block_model.block_size, dtype=float)
    nd = np.asarray(disc, dtype=int)
    axes = [((np.arange(k) + 0.5) / k - 0.5) * s for k, s in zip(nd, bs, strict=True)]
    gz, gy, gx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    off = np.column_stack([gx.ravel(), gy.ravel(), gz.ravel()])
    r = math.radians(float(block_model.rotation_deg))
    c, s = math.cos(r), math.sin(r)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])  # rows: i, j, k axes
    cen = rows[["easting", "northing", "elevation"]].to_numpy(dtype=float)
    return (cen[:, None, :] + (off @ R)[None, :, :]).reshape(-1, 3)


def simulate_blocks(
    block_model,
    composites: pd.DataFrame,
    domain: str,
    columns: str | Sequence[str],
    params: SimulationParams,
    *,
    realisation: int,
    seed: int,
) -> pd.DataFrame:
    """One realisation of block grades of a domain by SGS on points and averaging.

    Each block row of ``domain`` is discretised into ``params.discretisation`` points
    (cell centres, in the grid's rotated frame); the points are simulated (normal
    scores, conditioned to the domain's composites), back-transformed, and averaged
    per block in original units (change of support by point averaging).

    One column (``"TREO_pct"``): univariate SGS. Several columns (``["TREO_pct",
    "Nd2O3_pct", "Pr6O11_pct"]``): the first is the total, the others parts, simulated
    through :class:`CompositionalTransform`; the output adds ``params.rest_column`` and
    total = Σ parts + rest in every block.

    Parameters
    ----------
    block_model : BlockModel
        Block model (``table`` with ``i``, ``j``, ``k``, ``easting``, ``northing``,
        ``elevation``, ``domain``; ``block_size`` [m]; ``rotation_deg`` [deg]).
    composites : pandas.DataFrame
        Composites with ``easting``, ``northing``, ``elevation``, ``domain`` and the
        grade columns [m], [%].
    domain : str
        Domain code.
    columns : str or sequence of str
        Grade column(s) [%].
    params : SimulationParams
        Variogram, search and discretisation.
    realisation : int
        Realisation number (recorded, and mixed into the seed) [-].
    seed : int
        Base seed of the run.

    Returns
    -------
    pandas.DataFrame
        ``i``, ``j``, ``k``, ``domain``, ``realisation`` and the simulated grades [%], one
        row per block row of the domain.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    tab = block_model.table
    rows = tab[tab["domain"].astype(str) == str(domain)]
    comp = composites[composites["domain"].astype(str) == str(domain)]
    comp = comp[np.all(np.isfinite(comp[cols].to_numpy(dtype=float)), axis=1)]
    if comp.empty:
        raise DataError(f"domain {domain!r} has no composites with {cols} to condition on")
    X = comp[["easting", "northing", "elevation"]].to_numpy(dtype=float)
    w = None
    if params.declustering_cell_m > 0:
        from mine2magnet.geostats.declustering import cell_weights

        w = cell_weights(X, float(params.declustering_cell_m))
    pts = _block_points(block_model, rows, params.discretisation)
    nd = int(np.prod(params.discretisation))
    ss = np.random.SeedSequence([int(seed), int(realisation), zlib.crc32(str(domain).encode())])
    kw = dict(
        search=params.search, max_data=params.max_data, max_previous=params.max_previous,
        multiple_grids=params.multiple_grids,
    )  # fmt: skip
    if len(cols) == 1:
        nst = NormalScoreTransform().fit(comp[cols[0]].to_numpy(dtype=float), w)
        y = sgs(pts, X, nst.transform(comp[cols[0]].to_numpy(dtype=float)),
                params.variogram_ns, seed=ss, **kw)  # fmt: skip
        sim = pd.DataFrame({cols[0]: nst.inverse_transform(y)})
    else:
        ct = CompositionalTransform(cols[0], cols[1:], params.rest_column).fit(comp, w)
        Yd = ct.transform(comp)
        models = params.factor_variograms or (params.variogram_ns,) * ct.n_factors
        if len(models) != ct.n_factors:
            raise ConfigError(f"factor_variograms needs {ct.n_factors} models, got {len(models)}")
        seeds = ss.spawn(ct.n_factors)
        Y = np.column_stack(
            [sgs(pts, X, Yd[:, k], models[k], seed=seeds[k], **kw) for k in range(ct.n_factors)]
        )
        sim = ct.inverse_transform(Y)
    blk = sim.to_numpy().reshape(len(rows), nd, sim.shape[1]).mean(axis=1)
    out = pd.DataFrame(
        {
            "i": rows["i"].to_numpy(),
            "j": rows["j"].to_numpy(),
            "k": rows["k"].to_numpy(),
            "domain": rows["domain"].to_numpy(),
            "realisation": int(realisation),
        }
    )
    for q, c in enumerate(sim.columns):
        out[c] = blk[:, q]
    return out
