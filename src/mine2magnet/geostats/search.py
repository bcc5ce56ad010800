"""Anisotropic neighbourhood search.

The search ellipsoid (radii along the major, semi-major and minor axes, oriented by
GSLIB azimuth/dip/rake, see :mod:`.rotation`) is turned into the unit sphere by the
anisotropy matrix ``A``; samples are then found by their *anisotropic* distance
``|A (x - x0)|`` (1 on the ellipsoid surface; samples on the surface are inside, to a
relative 1e-9), nearest first, equal distances broken by the lower sample index. Two
exact strategies give the same neighbours (:class:`NeighbourSearch`): a cell grid in the
transformed space with targets processed in groups (GSLIB's super-block idea; the
default) and :class:`scipy.spatial.cKDTree` queries (for ellipsoids holding more than
about a thousand samples).

Selection follows GSLIB ``kt3d``: candidates are taken nearest first, skipping a sample
when its hole already has ``max_per_hole`` selected samples or its octant already has
``max_per_octant``, until ``max_samples`` are selected. Octants are the eight sign
combinations of ``A (x - x0)`` along (major, semi-major, minor). Whether a target has
enough samples (``min_samples``) is left to the estimator, which records the pass.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.rotation import anisotropy_matrix

__all__ = ["NeighbourSearch", "Neighbours", "SearchParameters"]

_UB = 1.0 + 1e-9  # anisotropic distance bound: on the ellipsoid counts as inside


@dataclass(frozen=True)
class SearchParameters:
    """One search pass: ellipsoid and sample limits.

    Parameters
    ----------
    ranges : tuple of float
        Search radii along the major, semi-major and minor axes; one number means a
        sphere [m].
    angles : tuple of float
        Azimuth, dip (negative down), rake of the major axis, GSLIB convention [deg].
    min_samples : int
        Fewest samples needed to estimate in this pass [-].
    max_samples : int
        Most samples used [-].
    max_per_hole : int, optional
        Most samples from one drillhole (needs ``hole_id``) [-].
    max_per_octant : int, optional
        Most samples per octant of the rotated ellipsoid [-].

    Examples
    --------
    >>> p1 = SearchParameters((100.0, 60.0, 20.0), (45.0, -10.0, 0.0), 4, 24, 6)
    >>> p1.scaled(2.0).ranges
    (200.0, 120.0, 40.0)
    """

    ranges: tuple[float, float, float]
    angles: tuple[float, float, float] = (0.0, 0.0, 0.0)
    min_samples: int = 1
    max_samples: int = 24
    max_per_hole: int | None = None
    max_per_octant: int | None = None

    def __post_init__(self) -> None:
        r = np.asarray(self.ranges, dtype=float).reshape(-1)
        if r.size == 1:
            r = np.repeat(r, 3)
        if r.size != 3 or not np.all(np.isfinite(r)) or np.any(r <= 0):
            raise ConfigError(f"search ranges {self.ranges!r} must be three radii > 0 [m]")
        a = np.asarray(self.angles, dtype=float).reshape(-1)
        if a.size != 3 or not np.all(np.isfinite(a)):
            raise ConfigError(f"search angles {self.angles!r} must be three finite angles")
        if int(self.max_samples) < 1 or int(self.min_samples) < 1:
            raise ConfigError("search min_samples and max_samples must be ≥ 1")
        if int(self.min_samples) > int(self.max_samples):
            raise ConfigError(
                f"search min_samples {self.min_samples} exceeds max_samples {self.max_samples}"
            )
        for name in ("max_per_hole", "max_per_octant"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise ConfigError(f"search {name} must be ≥ 1 or None, got {v!r}")
        object.__setattr__(self, "ranges", tuple(float(x) for x in r))
        object.__setattr__(self, "angles", tuple(float(x) for x in a))
        object.__setattr__(self, "min_samples", int(self.min_samples))
        object.__setattr__(self, "max_samples", int(self.max_samples))

    def matrix(self) -> NDArray[np.float64]:
        """Anisotropy matrix mapping the ellipsoid to the unit sphere [1/m]."""
        return anisotropy_matrix(self.ranges, *self.angles)

    def scaled(self, factor: float, **changes: int | None) -> SearchParameters:
        """A pass with radii multiplied by ``factor`` [-] (and other fields changed)."""
        return replace(self, ranges=tuple(r * float(factor) for r in self.ranges), **changes)


@dataclass(frozen=True)
class Neighbours:
    """Neighbours of a chunk of targets, padded to ``max_samples`` columns.

    Attributes
    ----------
    index : numpy.ndarray
        ``(m, max_samples)`` sample indices, nearest first, ``-1`` padding [-].
    distance : numpy.ndarray
        Anisotropic distance (1 = on the search ellipsoid), NaN padding [-].
    count : numpy.ndarray
        Number of neighbours found per target [-].
    """

    index: NDArray[np.int64]
    distance: NDArray[np.float64]
    count: NDArray[np.int64]


@numba.njit(cache=True, nogil=True, inline="always")
def admit_neighbour(j, t, U, T, holes, sel_holes, c, octs, max_hole, max_oct):  # pragma: no cover
    """The per-hole and per-octant caps: may sample ``j`` join target ``t``'s ``c`` picks?

    ``sel_holes[:c]`` are the holes already picked; ``octs`` the picks per octant, which
    is incremented when the sample is admitted. Shared by the estimation search and the
    cross-validation search so both apply the same rules.
    """
    if max_hole > 0:
        h = holes[j]
        same = 0
        for p in range(c):
            if sel_holes[p] == h:
                same += 1
        if same >= max_hole:
            return False
    if max_oct > 0:
        o = 0
        if U[j, 0] - T[t, 0] < 0.0:
            o += 4
        if U[j, 1] - T[t, 1] < 0.0:
            o += 2
        if U[j, 2] - T[t, 2] < 0.0:
            o += 1
        if octs[o] >= max_oct:
            return False
        octs[o] += 1
    return True


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select(
    cand, dist, n, U, T, holes, max_hole, max_oct, K, out_i, out_d, out_c, exhausted
):  # pragma: no cover - compiled
    m, k = cand.shape
    sel_holes = np.empty(K, dtype=np.int64)
    octs = np.zeros(8, dtype=np.int64)
    for t in range(m):
        c = 0
        for o in range(8):
            octs[o] = 0
        all_in = True
        for q in range(k):
            j = cand[t, q]
            if j >= n or not (dist[t, q] <= 1.0 + 1e-9):
                all_in = False
                break
            if not admit_neighbour(j, t, U, T, holes, sel_holes, c, octs, max_hole, max_oct):
                continue
            if max_hole > 0:
                sel_holes[c] = holes[j]
            out_i[t, c] = j
            out_d[t, c] = dist[t, q]
            c += 1
            if c == K:
                break
        out_c[t] = c
        exhausted[t] = all_in and c < K


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sort_pairs(key, idx, n):  # pragma: no cover - compiled
    """Shell sort of ``key[:n]`` and ``idx[:n]`` together by (key, idx): a total order."""
    gap = 1
    while gap < n // 3:
        gap = 3 * gap + 1
    while gap >= 1:
        for i in range(gap, n):
            k = key[i]
            j = idx[i]
            p = i
            while p >= gap and (key[p - gap] > k or (key[p - gap] == k and idx[p - gap] > j)):
                key[p] = key[p - gap]
                idx[p] = idx[p - gap]
                p -= gap
            key[p] = k
            idx[p] = j
        gap //= 3


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _grid_kernel(
    U,
    cell_start,
    cell_items,
    origin,
    cell,
    dims,
    T,
    order,
    gstarts,
    holes,
    max_hole,
    max_oct,
    K,
    out_i,
    out_d,
    out_c,
):  # pragma: no cover - compiled
    n = U.shape[0]
    ub = 1.0 + 1e-9
    R2 = ub * ub
    buf = np.empty(n, dtype=np.int64)
    cj = np.empty(n, dtype=np.int64)
    cd = np.empty(n)
    cd2 = np.empty(n)
    selD = np.empty(K)
    selJ = np.empty(K, dtype=np.int64)
    sel_holes = np.empty(K, dtype=np.int64)
    octs = np.zeros(8, dtype=np.int64)
    limited = max_hole > 0 or max_oct > 0
    for g in range(gstarts.size - 1):
        a = gstarts[g]
        b = gstarts[g + 1]
        lx = ly = lz = np.inf
        hx = hy = hz = -np.inf
        for q in range(a, b):
            t = order[q]
            lx = min(lx, T[t, 0])
            ly = min(ly, T[t, 1])
            lz = min(lz, T[t, 2])
            hx = max(hx, T[t, 0])
            hy = max(hy, T[t, 1])
            hz = max(hz, T[t, 2])
        # sample cells that can hold a sample within the radius of the targets' box
        i0x = max(0, int(np.floor((lx - ub - origin[0]) / cell)))
        i0y = max(0, int(np.floor((ly - ub - origin[1]) / cell)))
        i0z = max(0, int(np.floor((lz - ub - origin[2]) / cell)))
        i1x = min(dims[0] - 1, int(np.floor((hx + ub - origin[0]) / cell)))
        i1y = min(dims[1] - 1, int(np.floor((hy + ub - origin[1]) / cell)))
        i1z = min(dims[2] - 1, int(np.floor((hz + ub - origin[2]) / cell)))
        nc = 0
        for iz in range(i0z, i1z + 1):
            for iy in range(i0y, i1y + 1):
                base = (iz * dims[1] + iy) * dims[0]
                for ix in range(i0x, i1x + 1):
                    c = base + ix
                    for p in range(cell_start[c], cell_start[c + 1]):
                        j = cell_items[p]
                        ux = U[j, 0]
                        uy = U[j, 1]
                        uz = U[j, 2]
                        dx = lx - ux if ux < lx else (ux - hx if ux > hx else 0.0)
                        dy = ly - uy if uy < ly else (uy - hy if uy > hy else 0.0)
                        dz = lz - uz if uz < lz else (uz - hz if uz > hz else 0.0)
                        if dx * dx + dy * dy + dz * dz <= R2:
                            buf[nc] = j
                            nc += 1
        # sort the short list by distance to the centre of the box: a target at
        # distance e from the centre cannot be nearer than (dc - e) to a candidate
        cx = 0.5 * (lx + hx)
        cy = 0.5 * (ly + hy)
        cz = 0.5 * (lz + hz)
        for p in range(nc):
            j = buf[p]
            dx = U[j, 0] - cx
            dy = U[j, 1] - cy
            dz = U[j, 2] - cz
            cd2[p] = np.sqrt(dx * dx + dy * dy + dz * dz)
        _sort_pairs(cd2, buf, nc)
        for q in range(a, b):
            t = order[q]
            tx = T[t, 0]
            ty = T[t, 1]
            tz = T[t, 2]
            ex = tx - cx
            ey = ty - cy
            ez = tz - cz
            e = np.sqrt(ex * ex + ey * ey + ez * ez) * (1.0 + 1e-12) + 1e-12
            if not limited:
                m = 0
                worst = np.inf
                for p in range(nc):
                    lower = cd2[p] - e
                    if lower > ub or lower > worst:
                        break
                    j = buf[p]
                    dx = U[j, 0] - tx
                    dy = U[j, 1] - ty
                    dz = U[j, 2] - tz
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 > R2:
                        continue
                    if m == K:
                        w = selD[K - 1]
                        if d2 > w or (d2 == w and j > selJ[K - 1]):
                            continue
                        pos = K - 1
                    else:
                        pos = m
                        m += 1
                    while pos > 0 and (
                        selD[pos - 1] > d2 or (selD[pos - 1] == d2 and selJ[pos - 1] > j)
                    ):
                        selD[pos] = selD[pos - 1]
                        selJ[pos] = selJ[pos - 1]
                        pos -= 1
                    selD[pos] = d2
                    selJ[pos] = j
                    if m == K:
                        worst = np.sqrt(selD[K - 1]) * (1.0 + 1e-12) + 1e-12
                for p in range(m):
                    out_i[t, p] = selJ[p]
                    out_d[t, p] = np.sqrt(selD[p])
                out_c[t] = m
                continue
            # limits per hole / octant: all candidates in order of (distance, index)
            w = 0
            for p in range(nc):
                if cd2[p] - e > ub:
                    break
                j = buf[p]
                dx = U[j, 0] - tx
                dy = U[j, 1] - ty
                dz = U[j, 2] - tz
                d2 = dx * dx + dy * dy + dz * dz
                if d2 <= R2:
                    cj[w] = j
                    cd[w] = d2
                    w += 1
            _sort_pairs(cd, cj, w)
            m = 0
            for o in range(8):
                octs[o] = 0
            for p in range(w):
                j = cj[p]
                if max_hole > 0:
                    same = 0
                    for r in range(m):
                        if sel_holes[r] == holes[j]:
                            same += 1
                    if same >= max_hole:
                        continue
                if max_oct > 0:
                    o = 0
                    if U[j, 0] - tx < 0.0:
                        o += 4
                    if U[j, 1] - ty < 0.0:
                        o += 2
                    if U[j, 2] - tz < 0.0:
                        o += 1
                    if octs[o] >= max_oct:
                        continue
                    octs[o] += 1
                sel_holes[m] = holes[j]
                out_i[t, m] = j
                out_d[t, m] = np.sqrt(cd[p])
                m += 1
                if m == K:
                    break
            out_c[t] = m


_MAX_CELLS = 1 << 22
_KDTREE_ABOVE = 1024.0  # expected samples inside the ellipsoid above which a KD-tree is used


class NeighbourSearch:
    """Neighbourhood search in the anisotropic space of one search pass.

    Two exact strategies, chosen once from the expected number of samples inside the
    ellipsoid (so every chunk of targets uses the same one):

    * ``"grid"`` (usual case) — samples are bucketed in a regular grid of cells in the
      range-normalised space; targets are grouped in cells, each group gathers the
      samples within reach of its bounding box once, and every target then picks its
      nearest samples from that short list (the super-block idea of GSLIB ``kt3d``).
    * ``"kdtree"`` — :class:`scipy.spatial.cKDTree` ``k``-nearest queries, re-queried with
      a larger ``k`` where hole or octant limits exhaust the candidates; used when the
      ellipsoid holds more than about 1,000 samples.

    Both select in order of (anisotropic distance, sample index), so equal distances
    are broken by the lower index.

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` (easting, northing, elevation) [m].
    params : SearchParameters
        Ellipsoid and limits.
    hole_id : array_like, optional
        Drillhole identifier per sample; needed for ``max_per_hole``.
    strategy : str
        ``"auto"``, ``"grid"`` or ``"kdtree"``.

    Examples
    --------
    >>> import numpy as np
    >>> xyz = np.array([[0.0, 0, 0], [10, 0, 0], [0, 10, 0], [50, 0, 0]])
    >>> s = NeighbourSearch(xyz, SearchParameters((20.0, 20.0, 20.0), max_samples=3))
    >>> s.query([[1.0, 0.0, 0.0]]).index.tolist()
    [[0, 1, 2]]
    """

    def __init__(
        self,
        coords: ArrayLike,
        params: SearchParameters,
        hole_id: ArrayLike | None = None,
        strategy: str = "auto",
    ) -> None:
        X = np.asarray(coords, dtype=float)
        if X.ndim != 2 or X.shape[1] != 3 or not np.all(np.isfinite(X)):
            raise DataError(f"sample coordinates must be a finite (n, 3) array, got {X.shape}")
        if strategy not in ("auto", "grid", "kdtree"):
            raise ConfigError(f"search strategy {strategy!r} is not 'auto', 'grid' or 'kdtree'")
        self.params = params
        self.n = X.shape[0]
        self._A = params.matrix()
        self._U = np.ascontiguousarray(X @ self._A.T)
        if params.max_per_hole is not None:
            if hole_id is None:
                raise ConfigError("max_per_hole needs hole_id for every sample")
            codes, _ = pd.factorize(pd.Series(np.asarray(hole_id)), sort=True)
            if codes.shape != (self.n,) or np.any(codes < 0):
                raise DataError("hole_id must give one non-missing id per sample")
            self._holes = codes.astype(np.int64)
        else:
            self._holes = np.zeros(self.n, dtype=np.int64)
        if self.n:
            lo = self._U.min(axis=0)
            ext = np.maximum(self._U.max(axis=0) - lo, 1.0)
            density = self.n / float(np.prod(ext))  # samples per unit³ (radius 1)
        else:
            lo, density = np.zeros(3), 0.0
        if strategy == "auto":
            strategy = "kdtree" if density * 4.18879 > _KDTREE_ABOVE else "grid"
        self.strategy = strategy
        self._tree = cKDTree(self._U) if (self.n and strategy == "kdtree") else None
        if strategy == "grid" and self.n:
            cell = float(np.clip((2.0 / density) ** (1.0 / 3.0), 0.125, 8.0))
            span = self._U.max(axis=0) - lo
            dims = np.floor(span / cell).astype(np.int64) + 1
            if np.prod(dims.astype(float)) > _MAX_CELLS:
                cell *= (np.prod(dims.astype(float)) / _MAX_CELLS) ** (1.0 / 3.0) * 1.01
                dims = np.floor(span / cell).astype(np.int64) + 1
            ijk = np.minimum(np.floor((self._U - lo) / cell).astype(np.int64), dims - 1)
            cid = ijk[:, 0] + dims[0] * (ijk[:, 1] + dims[1] * ijk[:, 2])
            self._cell_items = np.argsort(cid, kind="stable").astype(np.int64)
            counts = np.bincount(cid, minlength=int(np.prod(dims)))
            self._cell_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self._origin = lo.astype(float)
            self._cell = cell
            self._dims = dims
            self._group = max(cell, 0.4)

    def query(self, targets: ArrayLike) -> Neighbours:
        """Neighbours of each target, nearest (in anisotropic distance) first.

        Parameters
        ----------
        targets : array_like
            Target coordinates ``(m, 3)`` [m].

        Returns
        -------
        Neighbours
            Padded index and distance arrays and counts.
        """
        T0 = np.asarray(targets, dtype=float).reshape(-1, 3)
        T = np.ascontiguousarray(T0 @ self._A.T)
        K = self.params.max_samples
        m = T.shape[0]
        out_i = np.full((m, K), -1, dtype=np.int64)
        out_d = np.full((m, K), np.nan)
        out_c = np.zeros(m, dtype=np.int64)
        if self.n == 0 or m == 0:
            return Neighbours(out_i, out_d, out_c)
        max_hole = self.params.max_per_hole or 0
        max_oct = self.params.max_per_octant or 0
        if self.strategy == "grid":
            key = np.floor((T - self._origin) / self._group).astype(np.int64)
            order = np.lexsort((key[:, 0], key[:, 1], key[:, 2])).astype(np.int64)
            ks = key[order]
            brk = np.flatnonzero(np.any(ks[1:] != ks[:-1], axis=1)) + 1
            gstarts = np.concatenate([[0], brk, [m]]).astype(np.int64)
            _grid_kernel(
                self._U,
                self._cell_start,
                self._cell_items,
                self._origin,
                self._cell,
                self._dims,
                T,
                order,
                gstarts,
                self._holes,
                max_hole,
                max_oct,
                K,
                out_i,
                out_d,
                out_c,
            )
            return Neighbours(out_i, out_d, out_c)
        return self._query_tree(T, K, max_hole, max_oct, out_i, out_d, out_c)

    def _query_tree(self, T, K, max_hole, max_oct, out_i, out_d, out_c) -> Neighbours:
        m = T.shape[0]
        simple = max_hole == 0 and max_oct == 0
        k = min(self.n, K if simple else 4 * K)
        rows = np.arange(m)
        while rows.size:
            d, idx = self._tree.query(T[rows], k=k, distance_upper_bound=_UB, workers=1)
            d = d.reshape(rows.size, k)
            idx = idx.reshape(rows.size, k).astype(np.int64)
            srt = np.lexsort((idx, d), axis=-1)  # ties broken by the lower index
            d = np.take_along_axis(d, srt, axis=1)
            idx = np.take_along_axis(idx, srt, axis=1)
            if simple:
                inside = idx < self.n
                w = min(k, K)
                out_i[rows, :w] = np.where(inside, idx, -1)[:, :w]
                out_d[rows, :w] = np.where(inside, d, np.nan)[:, :w]
                out_c[rows] = np.minimum(inside.sum(axis=1), K)
                break
            sub_i = np.full((rows.size, K), -1, dtype=np.int64)
            sub_d = np.full((rows.size, K), np.nan)
            sub_c = np.zeros(rows.size, dtype=np.int64)
            exhausted = np.zeros(rows.size, dtype=np.bool_)
            _select(
                idx,
                d,
                self.n,
                self._U,
                T[rows],
                self._holes,
                max_hole,
                max_oct,
                K,
                sub_i,
                sub_d,
                sub_c,
                exhausted,
            )
            out_i[rows], out_d[rows], out_c[rows] = sub_i, sub_d, sub_c
            if k >= self.n:
                break
            rows = rows[exhausted]
            k = min(self.n, 4 * k)
        return Neighbours(out_i, out_d, out_c)
