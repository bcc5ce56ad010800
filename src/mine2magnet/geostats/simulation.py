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

**Regular grids** (the usual case: block discretisation points of an unrotated model,
or a grid chunk) take a faster kernel, :func:`_sgs_grid_kernel`, with the same
definition of the neighbours. Targets are a regular grid when every target lies within
``1e-6`` spacings of a node ``origin + (i, j, k) · spacing`` of an axis-aligned lattice
(holes allowed, one target per node, a lattice box of at most ``8 m + 4096`` nodes;
``regular_grid`` forces or forbids it). Then:

* the multiple-grid path is GSLIB's: first the nodes with ``i, j, k`` multiples of 8
  (node spacings), then of 4, then of 2, then the rest, each group in random order;
* previously simulated nodes are found by scanning a precomputed **template of lattice
  offsets** inside the search ellipsoid, sorted by anisotropic distance (ties by
  offset), until ``max_previous`` are found (``sgsim``'s spiral search); a node of grid
  level ``g`` scans only the offsets that are multiples of ``2^g``, where all nodes
  simulated so far lie; simulated nodes are marked in lattice-sized flag and index arrays;
* the data are searched per **super-block** of about 3-6 nodes a side: its candidate
  list holds every datum that can be among ``max_data`` nearest of one of its nodes
  (within ``min(1 + ρ, D + 2ρ)`` of the block centre, ``D`` the centre's ``max_data``-th
  data distance and ``ρ`` the block's half-diagonal, in search units), sorted by
  distance to the centre, and the scan stops by the triangle inequality;
* covariances use coordinates relative to the target (node offsets from the template).

Memory is linear in the targets: about 130 bytes per node at the peak of the set-up
(numpy arrays, benchmark of 10⁶ nodes), plus the offset template (20 bytes per offset).

Search distances are in the search ellipsoid's units (``SearchParameters.matrix``, GSLIB
angles: azimuth clockwise from north, dip negative down, rake; the ellipsoid has radius
1). The unit covariances are those of :mod:`.variogram` (GSLIB shapes, practical ranges;
the formula of ``kriging._cov_r2``). The SK system is solved by a row Cholesky of the
matrix augmented with the target (:func:`_chol_aug`): its last row is ``L⁻¹c`` and its
last pivot the SK variance. The covariance and Cholesky kernels use
``fastmath={"reassoc", "nsz"}`` so that dot products vectorise (no FMA contraction, no
approximate functions): results are bit-identical for a seed on one machine, whether the
kernels were just compiled or loaded from numba's cache; a CPU with another vector width
may change the last bits. A singular system (which needs two coincident points with no nugget)
falls back to an unconditional draw and is counted.

Several grades (TREO and its oxides): see :class:`CompositionalTransform`.
Change of support to blocks: :func:`simulate_blocks`.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
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
    "DomainTransform",
    "SimulationParams",
    "SimulationStats",
    "block_average",
    "block_points",
    "domain_seed",
    "domain_transform",
    "multiple_grid_path",
    "ns_variogram_from_table",
    "sgs",
    "sgs_grades",
    "sgs_values",
    "simulate_blocks",
    "simulate_points",
]

_MAX_CELLS = 1 << 22
_NODES_PER_CELL = 1.5
_DATA_PER_CELL = 2.0
_MG_LEVELS = 3  # coarse grid levels of the multiple-grid path
# Lets dot products vectorise; no FMA contraction, no approximations. Only on the two large
# leaf kernels _fill_cov and _chol_aug: with fastmath on the kernels that call them (or on
# the small SK substitution loop, which LLVM inlines) the freshly compiled code gave other
# bits than the code numba loads from its on-disk cache, so a driver and its Dask workers
# disagreed. tests/geostats/test_simulation.py checks fresh == cached in two processes.
_FM = {"reassoc", "nsz"}


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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sk_solve(C, inv, w, zv, Px, Py, Pz, n, kinds, sills, c0, tiny):  # pragma: no cover
    """Simple-kriging (mean 0) estimate and variance at point ``n`` from points ``0..n-1``.

    ``Px, Py, Pz`` hold the points in each structure's range-normalised space, ``zv``
    their values. Returns ``(estimate, variance)``; the variance is -1 when the system
    is singular. ``C``, ``inv`` and ``w`` are work buffers of order ``n + 1``.
    """
    if n == 0:
        return 0.0, c0
    _fill_cov(C, Px, Py, Pz, n, kinds, sills, c0)
    var = _chol_aug(C, inv, n, tiny)
    if var < 0.0:
        return 0.0, -1.0
    # λ = C⁻¹c = L⁻ᵀ y with y = L⁻¹c (row n of the augmented factor), so λ·z = y·(L⁻¹z);
    # the SK variance is the last pivot c0 - y·y
    est = 0.0
    for i in range(n):
        acc = zv[i]
        for k in range(i):
            acc -= C[i, k] * w[k]
        w[i] = acc * inv[i]
    for i in range(n):
        est += C[n, i] * w[i]
    return est, var


@numba.njit(cache=True, nogil=True, error_model="numpy")
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
        est, var = _sk_solve(C, inv, w, zv, Px, Py, Pz, n, kinds, sills, c0, tiny)
        if var < 0.0:
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


# ------------------------------------------------------------ regular-grid kernel


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _grid_nodes(i, j, k, L, dims, tijk, tlin, q0, q1, done, lat2t, K, nt, nq):  # pragma: no cover
    """Previously simulated lattice nodes nearest to node ``(i, j, k)`` (index ``L``).

    Scans rows ``q0..q1`` of the offset template (sorted by anisotropic search distance,
    then by offset) and stops at the ``K``-th simulated node; ``done`` flags the
    simulated lattice nodes (one byte each, so the scan stays in cache) and ``lat2t``
    maps a lattice index to its target. Writes the targets to ``nt`` and the
    template rows to ``nq``; returns how many were found.
    """
    mn = 0
    if K == 0:
        return 0
    nx = dims[0]
    ny = dims[1]
    nz = dims[2]
    for q in range(q0, q1):
        ii = i + tijk[q, 0]
        jj = j + tijk[q, 1]
        kk = k + tijk[q, 2]
        if ii < 0 or jj < 0 or kk < 0 or ii >= nx or jj >= ny or kk >= nz:
            continue
        Lq = L + tlin[q]
        if done[Lq]:
            nt[mn] = lat2t[Lq]
            nq[mn] = q
            mn += 1
            if mn == K:
                break
    return mn


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _block_data(tx, ty, tz, b, SC, cstart, cand, cdist, SD, K, dkey, didx):  # pragma: no cover
    """The ``K`` data nearest to ``(tx, ty, tz)`` (search space) within radius 1.

    Candidates of the target's super-block ``b`` are sorted by their distance to the
    block centre ``SC[b]``; the scan stops when that distance minus the target's own
    distance to the centre exceeds the ``K``-th distance found (triangle inequality).
    Ties are broken by data index, as in the cell search. Returns the number found.
    """
    if K == 0:
        return 0
    ex = tx - SC[b, 0]
    ey = ty - SC[b, 1]
    ez = tz - SC[b, 2]
    rt = math.sqrt(ex * ex + ey * ey + ez * ez)
    md = 0
    for q in range(cstart[b], cstart[b + 1]):
        if md == K:
            lb = cdist[q] - rt - 1e-9
            if lb > 0.0 and lb * lb > dkey[K - 1]:
                break
        p = cand[q]
        dx = SD[p, 0] - tx
        dy = SD[p, 1] - ty
        dz = SD[p, 2] - tz
        d2 = dx * dx + dy * dy + dz * dz
        if d2 <= 1.0 + 2e-9:
            md = _insert(dkey, didx, md, K, d2, p)
    return md


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _block_candidates(
    SC, occ, K, rho, origin, cellsz, dims, tmpl, tmin2, start, SD, cstart
):  # pragma: no cover - compiled
    """Candidate data of the super-blocks ``occ`` (see :func:`_data_blocks`).

    Data are bucketed in search-space cells (``start``: cell → first datum, data in cell
    order) scanned in the order of ``tmpl``. Per block: the ``K``-th nearest datum
    distance ``D_c`` of the centre, then every datum within ``min(1 + ρ, D_c + 2ρ)``,
    sorted by distance to the centre. Fills ``cstart`` (block → first candidate) and
    returns the candidate data and their distances to the centre.
    """
    nb = occ.size
    key = np.empty(max(K, 1))
    idx = np.empty(max(K, 1), dtype=np.int64)
    rad2 = np.empty(nb)
    lim2 = (1.0 + rho) * (1.0 + rho)
    counts = np.zeros(nb, dtype=np.int64)
    for phase in range(2):
        if phase == 1:
            total = 0
            for u in range(nb):
                total += counts[u]
            cand = np.empty(total, dtype=np.int64)
            cdist = np.empty(total)
            pos = 0
        for u in range(nb):
            b = occ[u]
            x = SC[b, 0]
            y = SC[b, 1]
            z = SC[b, 2]
            cx = math.floor((x - origin[0]) / cellsz)
            cy = math.floor((y - origin[1]) / cellsz)
            cz = math.floor((z - origin[2]) / cellsz)
            if phase == 0:  # K-th nearest distance of the centre, within 1 + ρ
                md = 0
                for k in range(tmpl.shape[0]):
                    if md == K and tmin2[k] > key[md - 1]:
                        break
                    ix = cx + tmpl[k, 0]
                    iy = cy + tmpl[k, 1]
                    iz = cz + tmpl[k, 2]
                    if ix < 0 or iy < 0 or iz < 0:
                        continue
                    if ix >= dims[0] or iy >= dims[1] or iz >= dims[2]:
                        continue
                    c = (iz * dims[1] + iy) * dims[0] + ix
                    for p in range(start[c], start[c + 1]):
                        dx = SD[p, 0] - x
                        dy = SD[p, 1] - y
                        dz = SD[p, 2] - z
                        d2 = dx * dx + dy * dy + dz * dz
                        if d2 <= lim2:
                            md = _insert(key, idx, md, K, d2, p)
                r = 1.0 + rho
                if md == K:
                    r = min(r, math.sqrt(key[K - 1]) + 2.0 * rho)
                rad2[u] = (r + 1e-6) * (r + 1e-6)
            first = 0
            if phase == 1:
                first = pos
            for k in range(tmpl.shape[0]):
                if tmin2[k] > rad2[u]:
                    break
                ix = cx + tmpl[k, 0]
                iy = cy + tmpl[k, 1]
                iz = cz + tmpl[k, 2]
                if ix < 0 or iy < 0 or iz < 0 or ix >= dims[0] or iy >= dims[1] or iz >= dims[2]:
                    continue
                c = (iz * dims[1] + iy) * dims[0] + ix
                for p in range(start[c], start[c + 1]):
                    dx = SD[p, 0] - x
                    dy = SD[p, 1] - y
                    dz = SD[p, 2] - z
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 <= rad2[u]:
                        if phase == 0:
                            counts[u] += 1
                        else:
                            cand[pos] = p
                            cdist[pos] = math.sqrt(d2)
                            pos += 1
            if phase == 1:  # nearest to the centre first
                order = np.argsort(cdist[first:pos], kind="mergesort")
                cand[first:pos] = cand[first:pos][order]
                cdist[first:pos] = cdist[first:pos][order]
                cstart[b + 1] = pos - first
    for b in range(cstart.size - 1):
        cstart[b + 1] += cstart[b]
    return cand, cdist


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sgs_grid_kernel(
    path,
    draws,
    tlat,
    coincide,
    dims,
    S0,
    SA,
    C0,
    CA,
    bdims,
    bsz,
    SC,
    cstart,
    cand,
    cdist,
    SD,
    CDf,
    zd,
    tijk,
    tlin,
    tstart,
    levels,
    kinds,
    sills,
    nugget,
    max_data,
    max_prev,
    done,
    lat2t,
    out,
    stats,
):  # pragma: no cover - compiled
    """SGS along ``path`` of targets on a regular lattice (see :func:`_sgs_lattice`).

    Node ``t`` sits at lattice index ``tlat[t] = i + nx (j + ny k)``; its search-space
    position is ``S0 + i SA[0] + j SA[1] + k SA[2]`` and its structure-space position
    ``C0 + i CA[0] + …``. The covariances are computed from coordinates relative to the
    target (the target at the origin), the offsets of simulated nodes from the template.
    A node of grid level ``g`` (``i, j, k`` multiples of ``2^g``, ``g ≤ levels``) scans
    template rows ``tstart[g]..tstart[g+1]`` (the offsets that are multiples of ``2^g``):
    the path visits levels coarse to fine, so every simulated node is on that sub-grid.
    """
    nst = sills.shape[0]
    c0 = nugget
    for s in range(nst):
        c0 += sills[s]
    tiny = 1e-12 * c0
    K = max_data + max_prev
    dkey = np.empty(max(max_data, 1))
    didx = np.empty(max(max_data, 1), dtype=np.int64)
    nt = np.empty(max(max_prev, 1), dtype=np.int64)
    nq = np.empty(max(max_prev, 1), dtype=np.int64)
    Px = np.zeros((nst, K + 1))
    Py = np.zeros((nst, K + 1))
    Pz = np.zeros((nst, K + 1))
    C = np.zeros((K + 1, K + 1))
    inv = np.empty(K + 1)
    w = np.empty(K)
    zv = np.empty(K)
    ct = np.empty(3 * nst)
    nx = dims[0]
    nxy = dims[0] * dims[1]
    for q in range(path.size):
        t = path[q]
        cd = coincide[t]
        if cd >= 0:
            out[t] = zd[cd]
            stats[0] += 1
            continue
        L = tlat[t]
        k = L // nxy
        j = (L - k * nxy) // nx
        i = L - k * nxy - j * nx
        tx = S0[0] + i * SA[0, 0] + j * SA[1, 0] + k * SA[2, 0]
        ty = S0[1] + i * SA[0, 1] + j * SA[1, 1] + k * SA[2, 1]
        tz = S0[2] + i * SA[0, 2] + j * SA[1, 2] + k * SA[2, 2]
        b = (k // bsz[2] * bdims[1] + j // bsz[1]) * bdims[0] + i // bsz[0]
        md = _block_data(tx, ty, tz, b, SC, cstart, cand, cdist, SD, max_data, dkey, didx)
        g = 0
        while g < levels and (i | j | k) & ((2 << g) - 1) == 0:
            g += 1
        mn = _grid_nodes(
            i, j, k, L, dims, tijk, tlin, tstart[g], tstart[g + 1], done, lat2t, max_prev, nt, nq
        )
        n = md + mn
        for a in range(3 * nst):
            ct[a] = C0[a] + i * CA[0, a] + j * CA[1, a] + k * CA[2, a]
        for r in range(md):
            p = didx[r]
            zv[r] = zd[p]
            for s in range(nst):
                Px[s, r] = CDf[p, 3 * s] - ct[3 * s]
                Py[s, r] = CDf[p, 3 * s + 1] - ct[3 * s + 1]
                Pz[s, r] = CDf[p, 3 * s + 2] - ct[3 * s + 2]
        for r in range(mn):
            g = nq[r]
            di = tijk[g, 0]
            dj = tijk[g, 1]
            dk = tijk[g, 2]
            zv[md + r] = out[nt[r]]
            for s in range(nst):
                a = 3 * s
                Px[s, md + r] = di * CA[0, a] + dj * CA[1, a] + dk * CA[2, a]
                Py[s, md + r] = di * CA[0, a + 1] + dj * CA[1, a + 1] + dk * CA[2, a + 1]
                Pz[s, md + r] = di * CA[0, a + 2] + dj * CA[1, a + 2] + dk * CA[2, a + 2]
        for s in range(nst):  # the target, at the origin, is the last point
            Px[s, n] = 0.0
            Py[s, n] = 0.0
            Pz[s, n] = 0.0
        est, var = _sk_solve(C, inv, w, zv, Px, Py, Pz, n, kinds, sills, c0, tiny)
        if var < 0.0:
            stats[1] += 1
            var = c0
        out[t] = est + math.sqrt(var) * draws[q]
        stats[2] += n
        lat2t[L] = t
        done[L] = 1


# ------------------------------------------------------------------------ path


@numba.njit(cache=True, nogil=True)
def _mg_pick(Tp, perm, lo, size, taken, out, pos, maxcells):  # pragma: no cover - compiled
    """Append to ``out`` the first free node (in ``perm`` order) of each cell of ``size``.

    ``Tp`` holds the node coordinates in ``perm`` order. Cells are
    ``floor((x - lo) / size)`` per axis, numbered over the free nodes' box as in
    :func:`multiple_grid_path`. Returns the new length, or -1 when the box has more than
    ``maxcells`` cells (the caller then uses the sort-based selection).
    """
    m = perm.size
    nd0 = 0
    nd1 = 0
    nd2 = 0
    for q in range(m):
        if not taken[q]:
            nd0 = max(nd0, math.floor((Tp[q, 0] - lo[0]) / size[0]) + 1)
            nd1 = max(nd1, math.floor((Tp[q, 1] - lo[1]) / size[1]) + 1)
            nd2 = max(nd2, math.floor((Tp[q, 2] - lo[2]) / size[2]) + 1)
    if float(nd0) * nd1 * nd2 > maxcells:
        return -1
    seen = np.zeros(nd0 * nd1 * nd2, dtype=np.bool_)
    for q in range(m):
        if not taken[q]:
            i = math.floor((Tp[q, 0] - lo[0]) / size[0])
            j = math.floor((Tp[q, 1] - lo[1]) / size[1])
            k = math.floor((Tp[q, 2] - lo[2]) / size[2])
            c = i + nd0 * (j + nd1 * k)
            if not seen[c]:
                seen[c] = True
                taken[q] = True
                out[pos] = perm[q]
                pos += 1
    return pos


def multiple_grid_path(
    targets: ArrayLike,
    rng: np.random.Generator,
    *,
    levels: int = 3,
    spacing: ArrayLike | None = None,
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
    spacing : array_like, optional
        Node spacing per axis (3,); by default the median step between the distinct
        coordinates of each axis (the mean spacing for scattered points) [m].

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(m)``.
    """
    T = np.ascontiguousarray(np.asarray(targets, dtype=float).reshape(-1, 3))
    m = T.shape[0]
    perm = rng.permutation(m).astype(np.int64)
    if levels < 1 or m < 8:
        return perm
    lo = T.min(axis=0)
    if spacing is None:
        spacing = np.zeros(3)
        for a in range(3):  # per axis: the grid spacing (median step between distinct values)
            u = np.unique(T[:, a])
            if u.size > 1:
                step = np.diff(u)
                spacing[a] = float(np.median(step))
                if u.size > 0.5 * m:  # scattered points, not a grid: the mean spacing instead
                    spacing[a] = float((u[-1] - u[0]) / m ** (1.0 / 3.0))
    else:
        spacing = np.array(spacing, dtype=float).reshape(3)
    spacing[spacing <= 0] = 1.0
    Tp = T[perm]
    taken = np.zeros(m, dtype=bool)
    out = np.empty(m, dtype=np.int64)
    pos = 0
    for L in range(levels, 0, -1):
        size = spacing * 2.0**L
        got = _mg_pick(Tp, perm, lo, size, taken, out, pos, 4 * m + 4096)
        if got >= 0:
            pos = got
            continue
        # very wide box: the first free node per cell by sorting
        free = np.flatnonzero(~taken)
        ijk = np.floor((Tp[free] - lo) / size).astype(np.int64)
        nd = ijk.max(axis=0) + 1
        key = ijk[:, 0] + nd[0] * (ijk[:, 1] + nd[1] * ijk[:, 2])
        _, first = np.unique(key, return_index=True)
        pick = free[np.sort(first)]  # the first free node (random order) per coarse cell
        taken[pick] = True
        out[pos : pos + pick.size] = perm[pick]
        pos += pick.size
    out[pos:] = perm[~taken]
    return out


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
    cell: float, reach: int, dims: NDArray[np.int64], radius: float = 1.0
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Cell offsets within ``radius``, by increasing smallest possible distance."""
    r = [np.arange(-min(reach, d - 1), min(reach, d - 1) + 1) for d in dims]
    g = np.stack(np.meshgrid(*r, indexing="ij"), axis=-1).reshape(-1, 3)
    gap = np.maximum(np.abs(g) - 1, 0) * cell
    d2 = (gap**2).sum(axis=1)
    keep = d2 <= radius * radius + 1e-6
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
        cls,
        U: NDArray[np.float64],
        per_cell: float,
        cover: NDArray[np.float64] | None = None,
        radius: float = 1.0,
    ) -> _CellGrid:
        """Cells sized for ``per_cell`` points of ``U``, covering ``U`` and ``cover``.

        The scan template reaches ``radius`` (search space, 1 = the ellipsoid).
        """
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
        tmpl, tmin2 = _template(cell, math.ceil(radius / cell) + 1, dims, radius)
        return cls(lo, cell, dims, tmpl, tmin2)

    def cells(self, U: NDArray[np.float64]) -> NDArray[np.int64]:
        ijk = np.minimum(((U - self.origin) / self.cell).astype(np.int64), self.dims - 1)
        return ijk[:, 0] + self.dims[0] * (ijk[:, 1] + self.dims[1] * ijk[:, 2])


_LATTICE_TOL = 1e-6  # off-lattice tolerance of a target, in node spacings [-]
_MAX_TEMPLATE = 1 << 21  # most lattice offsets in the search ellipsoid (else: cell search)
_BLOCK_NODES = (3.0, 6.0)  # super-block edge bounds [nodes]
_BLOCK_SHARE = 0.3  # super-block edge / typical max_data-th data distance [-]


@dataclass(frozen=True)
class _Lattice:
    """Targets on an axis-aligned regular lattice ``origin + (i, j, k) · spacing``."""

    origin: NDArray[np.float64]
    spacing: NDArray[np.float64]
    dims: NDArray[np.int64]
    index: NDArray[np.int64]  # per target: i + nx (j + ny k)
    ijk: NDArray[np.int64]  # per target: (i, j, k)

    @property
    def size(self) -> int:
        return int(np.prod(self.dims))


@numba.njit(cache=True, nogil=True)
def _snap(T, lo, spacing, tol, ijk):  # pragma: no cover - compiled
    """Lattice indices ``rint((x - lo) / s)`` of the targets; False when one is off-lattice."""
    for t in range(T.shape[0]):
        for a in range(3):
            d = T[t, a] - lo[a]
            r = np.rint(d / spacing[a])
            if abs(d - r * spacing[a]) > tol * spacing[a]:
                return False
            ijk[t, a] = np.int64(r)
    return True


def _lattice(T: NDArray[np.float64]) -> _Lattice | None:
    """The regular lattice holding every target once, or None.

    Per axis the spacing is the smallest positive step from the lowest coordinate (or,
    failing that, between sorted distinct coordinates); every target must lie within
    ``1e-6`` spacings of a lattice node, no node may hold two targets, and the lattice
    box may hold at most ``8 m + 4096`` nodes (memory stays linear in the targets).
    """
    m = T.shape[0]
    lo, hi = T.min(axis=0), T.max(axis=0)
    span = hi - lo
    flat = span <= 1e-9 * np.maximum(1.0, np.abs(lo))
    spacing = np.ones(3)
    for a in np.flatnonzero(~flat):
        d = T[:, a] - lo[a]
        spacing[a] = float(d[d > 1e-9 * span[a]].min())
    ijk = np.empty((m, 3), dtype=np.int64)
    if not _snap(T, lo, spacing, _LATTICE_TOL, ijk):
        for a in np.flatnonzero(~flat):  # a lattice with gaps: the smallest distinct step
            u = np.unique(T[:, a] - lo[a])
            spacing[a] = float(np.diff(u[u > 1e-9 * span[a]], prepend=0.0).min())
        if not np.all(spacing > 0) or not _snap(T, lo, spacing, _LATTICE_TOL, ijk):
            return None
    dims = ijk.max(axis=0) + 1
    if float(np.prod(dims.astype(float))) > 8.0 * m + 4096:
        return None
    index = ijk[:, 0] + dims[0] * (ijk[:, 1] + dims[1] * ijk[:, 2])
    seen = np.zeros(int(np.prod(dims)), dtype=bool)
    seen[index] = True
    if int(np.count_nonzero(seen)) != m:  # two targets on one node
        return None
    return _Lattice(lo, spacing, dims, index, ijk)


def _grid_template(
    A: NDArray[np.float64], spacing: NDArray[np.float64], dims: NDArray[np.int64]
) -> tuple[NDArray[np.int32], NDArray[np.float64]] | None:
    """Lattice offsets inside the search ellipsoid, nearest first (GSLIB's spiral search).

    Offsets ``(di, dj, dk) ≠ 0`` with ``|A (di sx, dj sy, dk sz)|² ≤ 1`` (``A`` maps the
    search ellipsoid to the unit sphere), sorted by that squared distance, ties by
    ``dk``, ``dj``, ``di``. Returns ``(offsets int32 (p, 3), squared distances)``, or
    None when there are more than ``_MAX_TEMPLATE`` offsets.
    """
    Ainv = np.linalg.inv(A)
    reach = np.floor(np.linalg.norm(Ainv, axis=1) / spacing * (1.0 + 1e-9) + 1e-9)
    reach = np.minimum(reach.astype(np.int64), dims - 1)
    if float(np.prod(2.0 * reach + 1.0)) * 0.6 > _MAX_TEMPLATE:
        return None
    ri, rj = (np.arange(-r, r + 1) for r in reach[:2])
    gj, gi = np.meshgrid(rj, ri, indexing="ij")
    gi, gj = gi.ravel(), gj.ravel()
    B = (A * spacing).T  # row a: search-space step of lattice axis a
    offs, d2s = [], []
    for dk in range(-int(reach[2]), int(reach[2]) + 1):  # one layer at a time (memory)
        S = gi[:, None] * B[0] + gj[:, None] * B[1] + dk * B[2]
        d2 = np.einsum("ij,ij->i", S, S)
        keep = d2 <= 1.0 + 2e-9
        if dk == 0:
            keep &= (gi != 0) | (gj != 0)
        offs.append(np.column_stack([gi[keep], gj[keep], np.full(int(keep.sum()), dk)]))
        d2s.append(d2[keep])
    g = np.concatenate(offs)
    d2 = np.concatenate(d2s)
    if g.shape[0] > _MAX_TEMPLATE:
        return None
    order = np.lexsort((g[:, 0], g[:, 1], g[:, 2], d2))
    return np.ascontiguousarray(g[order].astype(np.int32)), np.ascontiguousarray(d2[order])


def _data_blocks(
    lat: _Lattice, A: NDArray[np.float64], SD: NDArray[np.float64], max_data: int
) -> tuple[NDArray[np.int64], ...]:
    """Super-blocks of lattice nodes and, per block, the data that can be a node's neighbours.

    Blocks of ``bsz`` nodes per axis (``_BLOCK_NODES``, smaller where data are dense).
    For a block with centre ``c`` and half-diagonal ``ρ`` (search space), a node ``t``
    of the block has its ``K`` nearest data within ``D_c + ρ`` (``D_c`` the ``K``-th
    data distance from ``c``), so they lie within ``min(1 + ρ, D_c + 2ρ)`` of ``c``:
    those are the block's candidates, sorted by distance to ``c``.

    Returns ``bdims, bsz, SC (centres, search space), cstart, cand, cdist``.
    """
    B = (A * lat.spacing).T
    sig = np.linalg.norm(B, axis=1)
    live = lat.dims > 1
    nl = max(int(live.sum()), 1)
    cell = float(np.prod(sig[live])) if live.any() else 1.0
    lo_h, hi_h = (cell ** (1.0 / nl) * b for b in _BLOCK_NODES)
    h = hi_h
    n = SD.shape[0]
    if n and max_data:  # blocks no wider than a share of the typical K-th data distance
        span = np.ptp(SD, axis=0)
        vol = float(np.prod(np.maximum(span, 1e-3)))
        d_k = (3.0 * max_data * vol / (4.0 * math.pi * n)) ** (1.0 / 3.0)
        h = float(np.clip(_BLOCK_SHARE * d_k, lo_h, hi_h))
    bsz = np.where(live, np.clip(np.rint(h / sig), 1, lat.dims), 1).astype(np.int64)
    bdims = -(-lat.dims // bsz)
    nb = int(np.prod(bdims))
    S0 = A @ lat.origin
    axes = []
    for a in range(3):
        first = np.arange(bdims[a]) * bsz[a]
        last = np.minimum(first + bsz[a], lat.dims[a]) - 1
        axes.append(0.5 * (first + last))
    ck, cj, ci = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    SC = S0 + np.column_stack([ci.ravel(), cj.ravel(), ck.ravel()]) @ B
    half = 0.5 * (bsz - 1)
    corners = np.array([[x, y, zz] for x in (-1, 1) for y in (-1, 1) for zz in (-1, 1)])
    rho = float(np.linalg.norm((corners * half) @ B, axis=1).max())
    cstart = np.zeros(nb + 1, dtype=np.int64)
    if not (n and max_data):
        return bdims, bsz, np.ascontiguousarray(SC), cstart, np.zeros(0, np.int64), np.zeros(0)
    blk = lat.ijk // bsz
    used = np.zeros(nb, dtype=bool)
    used[(blk[:, 2] * bdims[1] + blk[:, 1]) * bdims[0] + blk[:, 0]] = True
    occ = np.flatnonzero(used)
    dg = _CellGrid.build(SD, per_cell=_DATA_PER_CELL, cover=SC[occ], radius=1.0 + rho)
    dcell = dg.cells(SD)
    dord = np.argsort(dcell, kind="stable")
    dstart = np.concatenate([[0], np.cumsum(np.bincount(dcell, minlength=dg.ncells))])
    cand, cdist = _block_candidates(
        SC, occ, int(max_data), rho, dg.origin, dg.cell, dg.dims, dg.tmpl, dg.tmin2,
        dstart.astype(np.int64), np.ascontiguousarray(SD[dord]), cstart,
    )  # fmt: skip
    return bdims, bsz, np.ascontiguousarray(SC), cstart, dord[cand], cdist


def _grid_levels(lat: _Lattice, levels: int) -> NDArray[np.int64]:
    """Grid level per target: the largest ``g ≤ levels`` with ``i, j, k`` multiples of ``2^g``."""
    v = lat.ijk[:, 0] | lat.ijk[:, 1] | lat.ijk[:, 2]
    g = np.zeros(v.size, dtype=np.int64)
    for L in range(1, levels + 1):
        g[(v & ((1 << L) - 1)) == 0] = L
    return g


def _lattice_path(lat: _Lattice, rng: np.random.Generator, levels: int) -> NDArray[np.int64]:
    """Multiple-grid path on a lattice (GSLIB ``sgsim``'s multiple grids).

    The nodes of the ``2^levels`` sub-grid first (``i, j, k`` multiples of ``2^levels``
    node spacings), then those of the ``2^(levels-1)`` sub-grid not yet visited, …, then
    the rest; each group in the random order of one permutation of the targets.
    """
    perm = rng.permutation(lat.index.size).astype(np.int64)
    g = _grid_levels(lat, levels)[perm]
    return np.concatenate([perm[g == L] for L in range(levels, -1, -1)])


def _sgs_lattice(
    T: NDArray[np.float64],
    X: NDArray[np.float64],
    z: NDArray[np.float64],
    model: VariogramModel,
    A: NDArray[np.float64],
    lat: _Lattice,
    tmpl: NDArray[np.int32],
    path: NDArray[np.int64],
    draws: NDArray[np.float64],
    max_data: int,
    max_previous: int,
    levels: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Set-up and call of :func:`_sgs_grid_kernel`; returns the values and the counters.

    ``levels`` is the number of coarse grid levels of ``path`` (0: a plain random path).
    """
    m, n = T.shape[0], X.shape[0]
    coincide = np.full(m, -1, dtype=np.int64)
    if n:  # a datum within ZERO_LAG_M of a node can only be at its nearest lattice node
        r = np.rint((X - lat.origin) / lat.spacing)
        inside = np.flatnonzero(np.all((r >= 0) & (r < lat.dims), axis=1))
        if inside.size:
            ri = r[inside].astype(np.int64)
            L = ri[:, 0] + lat.dims[0] * (ri[:, 1] + lat.dims[1] * ri[:, 2])
            lat_t = np.full(lat.size, -1, dtype=np.int64)
            lat_t[lat.index] = np.arange(m)
            tt = lat_t[L]
            ok = tt >= 0
            inside, tt = inside[ok], tt[ok]
            d = np.linalg.norm(X[inside] - T[tt], axis=1)
            hit = d <= ZERO_LAG_M
            best: dict[int, tuple[float, int]] = {}
            hits = zip(tt[hit].tolist(), inside[hit].tolist(), d[hit].tolist(), strict=True)
            for t, j, dj in hits:
                if t not in best or (dj, j) < best[t]:  # nearest datum, then lowest index
                    best[t] = (dj, j)
            for t, (_, j) in best.items():
                coincide[t] = j
    SD = np.ascontiguousarray(X @ A.T) if n else np.zeros((0, 3))
    md = int(max_data) if n else 0
    bdims, bsz, SC, cstart, cand, cdist = _data_blocks(lat, A, SD, md)
    nst = len(model.structures)
    out = np.zeros(m)
    stats = np.zeros(3, dtype=np.int64)
    parts = [tmpl]  # per grid level g: the offsets that are multiples of 2^g, same order
    for g in range(1, levels + 1):
        parts.append(tmpl[np.all(tmpl % (1 << g) == 0, axis=1)])
    tstart = np.concatenate([[0], np.cumsum([len(x) for x in parts])]).astype(np.int64)
    tmpl = np.ascontiguousarray(np.concatenate(parts))
    t64 = tmpl.astype(np.int64)
    tlin = t64[:, 0] + lat.dims[0] * (t64[:, 1] + lat.dims[1] * t64[:, 2])
    _sgs_grid_kernel(
        path,
        draws,
        lat.index,
        coincide,
        lat.dims,
        A @ lat.origin,
        np.ascontiguousarray((A * lat.spacing).T),
        _struct_coords(model, lat.origin[None, :])[0],
        _struct_coords(model, np.diag(lat.spacing)),
        bdims,
        bsz,
        SC,
        cstart,
        cand,
        cdist,
        SD,
        _struct_coords(model, X) if n else np.zeros((0, 3 * nst)),
        z,
        tmpl,
        np.ascontiguousarray(tlin),
        tstart,
        int(levels),
        np.array([s.code for s in model.structures], dtype=np.int64),
        np.array([s.sill for s in model.structures], dtype=float),
        float(model.nugget),
        md,
        int(max_previous),
        np.zeros(lat.size, dtype=np.uint8),
        np.full(lat.size, -1, dtype=np.int32),
        out,
        stats,
    )
    return out, stats


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
    regular_grid: bool | None = None,
) -> tuple[NDArray[np.float64], SimulationStats]:
    """:func:`sgs` that also returns the run's :class:`SimulationStats`.

    Parameters and result as in :func:`sgs`; the second item counts the nodes at data,
    singular systems and neighbours used.
    """
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
    A = search.matrix()
    lat = _lattice(T) if regular_grid is not False else None
    tmpl = _grid_template(A, lat.spacing, lat.dims) if lat is not None else None
    if regular_grid and tmpl is None:
        raise ConfigError(
            "regular_grid=True: the targets are not a regular axis-aligned lattice "
            "(or its search template is too large)"
        )
    rng = np.random.default_rng(seed)
    levels = _MG_LEVELS if multiple_grids else 0
    if tmpl is not None:
        path = _lattice_path(lat, rng, levels)
    elif multiple_grids:
        path = multiple_grid_path(T, rng, levels=levels)
    else:
        path = rng.permutation(m).astype(np.int64)
    draws = rng.standard_normal(m)
    if tmpl is not None:
        out, stats = _sgs_lattice(
            T, X, z, variogram_ns, A, lat, tmpl[0], path, draws, max_data, max_previous, levels
        )
        kriged = m - int(stats[0])
        return out, SimulationStats(
            n_nodes=m,
            n_at_data=int(stats[0]),
            n_singular=int(stats[1]),
            mean_neighbours=float(stats[2]) / kriged if kriged else 0.0,
        )
    # data coinciding with nodes
    coincide = np.full(m, -1, dtype=np.int64)
    if n:
        d, j = cKDTree(X).query(T, k=1, distance_upper_bound=ZERO_LAG_M * 10)
        hit = np.isfinite(d) & (d <= ZERO_LAG_M)
        coincide[hit] = j[hit]
    # cell grids in the search space: data (static) and nodes (filled as simulated)
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
    regular_grid: bool | None = None,
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
    regular_grid : bool, optional
        Use the lattice kernel (targets on one axis-aligned regular grid, see module
        docstring): None = when the targets are such a grid, False = never (the general
        cell search), True = always (:class:`ConfigError` when they are not).

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
        regular_grid=regular_grid,
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
    regular_grid: bool | None = None,
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
    search, seed, max_data, max_previous, multiple_grids, regular_grid
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
        regular_grid=regular_grid,
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


def block_points(block_model, rows: pd.DataFrame, disc: Sequence[int]) -> NDArray[np.float64]:
    """Discretisation points of block ``rows`` ``(len(rows)·Π disc, 3)`` [m].

    Cell centres of a ``disc`` (i, j, k) grid in each block, in the grid's rotated frame
    (``block_model.rotation_deg`` about z); block by block, i fastest within a block.
    """
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


def domain_seed(seed: int, realisation: int, domain: str) -> np.random.SeedSequence:
    """The SeedSequence of one domain of one realisation: ``[seed, realisation, crc32(domain)]``.

    Independent of the executor and of the order realisations run in [-].
    """
    return np.random.SeedSequence([int(seed), int(realisation), zlib.crc32(str(domain).encode())])


@dataclass(frozen=True)
class DomainTransform:
    """A domain's conditioning data in Gaussian space and the way back to grades.

    Attributes
    ----------
    X : numpy.ndarray
        Composite coordinates ``(n, 3)`` [m].
    Yd : numpy.ndarray
        Their Gaussian values ``(n, nf)``: the normal score of the one grade, or the
        factors of :class:`CompositionalTransform` [-].
    models : tuple of VariogramModel
        The variogram of each factor (sill 1).
    back : callable
        ``back(Y) -> DataFrame`` of grades [%] from simulated ``(m, nf)`` Gaussian values.
    """

    X: NDArray[np.float64]
    Yd: NDArray[np.float64]
    models: tuple[VariogramModel, ...]
    back: Callable[[NDArray[np.float64]], pd.DataFrame]

    @property
    def nf(self) -> int:
        """Number of Gaussian factors simulated [-]."""
        return int(self.Yd.shape[1])

    def factor_seeds(self, ss: np.random.SeedSequence) -> list[np.random.SeedSequence]:
        """One seed per factor: ``ss`` itself for one factor, else its children."""
        return [ss] if self.nf == 1 else ss.spawn(self.nf)


def domain_transform(
    composites: pd.DataFrame, domain: str, columns: Sequence[str], params: SimulationParams
) -> DomainTransform:
    """Fit the normal-score (one column) or compositional transform of a domain's composites.

    Composites of ``domain`` with every column finite are used, weighted by cell
    declustering of ``params.declustering_cell_m`` [m] (0 = equal weights).

    Raises
    ------
    DataError
        When the domain has no such composite.
    ConfigError
        When ``params.factor_variograms`` does not give one model per factor.
    """
    cols = list(columns)
    comp = composites[composites["domain"].astype(str) == str(domain)]
    comp = comp[np.all(np.isfinite(comp[cols].to_numpy(dtype=float)), axis=1)]
    if comp.empty:
        raise DataError(f"domain {domain!r} has no composites with {cols} to condition on")
    X = comp[["easting", "northing", "elevation"]].to_numpy(dtype=float)
    w = None
    if params.declustering_cell_m > 0:
        from mine2magnet.geostats.declustering import cell_weights

        w = cell_weights(X, float(params.declustering_cell_m))
    if len(cols) == 1:
        nst = NormalScoreTransform().fit(comp[cols[0]].to_numpy(dtype=float), w)
        Yd = nst.transform(comp[cols[0]].to_numpy(dtype=float)).reshape(-1, 1)

        def back(Y: NDArray[np.float64]) -> pd.DataFrame:
            return pd.DataFrame({cols[0]: nst.inverse_transform(Y[:, 0])})

        return DomainTransform(X, Yd, (params.variogram_ns,), back)
    ct = CompositionalTransform(cols[0], cols[1:], params.rest_column).fit(comp, w)
    models = tuple(params.factor_variograms or (params.variogram_ns,) * ct.n_factors)
    if len(models) != ct.n_factors:
        raise ConfigError(f"factor_variograms needs {ct.n_factors} models, got {len(models)}")
    return DomainTransform(X, ct.transform(comp), models, ct.inverse_transform)


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
    points = simulate_points(block_model, composites, domain, columns, params,
                             realisation=realisation, seed=seed)  # fmt: skip
    return block_average(block_model, domain, points, realisation=realisation)


def simulate_points(
    block_model,
    composites: pd.DataFrame,
    domain: str,
    columns: str | Sequence[str],
    params: SimulationParams,
    *,
    realisation: int,
    seed: int,
) -> pd.DataFrame:
    """One realisation of a domain at point support: the points :func:`simulate_blocks` averages.

    Same arguments as :func:`simulate_blocks`. Point support is what the data have, so
    histogram and variogram checks against the composites use these values.

    Returns
    -------
    pandas.DataFrame
        One row per point, ``params.discretisation`` points per block row of the domain,
        block by block in table order: ``block_row`` (position of the block among the
        domain's rows) [-], ``easting``, ``northing``, ``elevation`` [m] and the simulated
        grades [%] (with several columns also ``params.rest_column``).
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    tab = block_model.table
    rows = tab[tab["domain"].astype(str) == str(domain)]
    tr = domain_transform(composites, domain, cols, params)
    pts = block_points(block_model, rows, params.discretisation)
    nd = int(np.prod(params.discretisation))
    ss = domain_seed(seed, realisation, domain)
    kw = dict(
        search=params.search, max_data=params.max_data, max_previous=params.max_previous,
        multiple_grids=params.multiple_grids,
    )  # fmt: skip
    seeds = tr.factor_seeds(ss)
    Y = np.column_stack(
        [sgs(pts, tr.X, tr.Yd[:, k], tr.models[k], seed=seeds[k], **kw) for k in range(tr.nf)]
    )
    sim = tr.back(Y)
    points = pd.DataFrame(
        {
            "block_row": np.repeat(np.arange(len(rows), dtype=np.int64), nd),
            "easting": pts[:, 0],
            "northing": pts[:, 1],
            "elevation": pts[:, 2],
        }
    )
    for c in sim.columns:
        points[c] = sim[c].to_numpy(dtype=float)
    return points


_POINT_KEYS = ("block_row", "easting", "northing", "elevation")


def block_average(
    block_model, domain: str, points: pd.DataFrame, *, realisation: int
) -> pd.DataFrame:
    """Block grades of a domain as the mean of its simulated points (change of support).

    Parameters
    ----------
    block_model : BlockModel
        The block model whose ``domain`` rows were simulated.
    domain : str
        Domain code [-].
    points : pandas.DataFrame
        :func:`simulate_points` of that domain (equal points per block, block by block).
    realisation : int
        Realisation number, recorded [-].

    Returns
    -------
    pandas.DataFrame
        ``i``, ``j``, ``k``, ``domain``, ``realisation`` and the block grades [%], one row
        per block row of the domain, in table order.
    """
    tab = block_model.table
    rows = tab[tab["domain"].astype(str) == str(domain)]
    grades = [
        c for c in points.columns if c not in ("block_row", "easting", "northing", "elevation")
    ]
    nd = len(points) // max(len(rows), 1)
    blk = points[grades].to_numpy(dtype=float).reshape(len(rows), nd, len(grades)).mean(axis=1)
    out = pd.DataFrame(
        {
            "i": rows["i"].to_numpy(),
            "j": rows["j"].to_numpy(),
            "k": rows["k"].to_numpy(),
            "domain": rows["domain"].to_numpy(),
            "realisation": int(realisation),
        }
    )
    for q, c in enumerate(grades):
        out[c] = blk[:, q]
    return out
