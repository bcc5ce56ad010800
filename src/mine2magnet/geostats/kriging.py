"""Ordinary and simple block kriging, inverse distance and nearest neighbour.

Kriging system (covariance form, ``n`` samples, block ``B``)::

    ordinary:  [ C   1 ] [ λ ]   [ c̄ ]        simple:  C λ = c̄
               [ 1ᵀ  0 ] [ μ ] = [ 1 ]

with ``C_ij = C(x_i - x_j)`` and ``c̄_i`` the covariance between sample ``i`` and the
block, averaged over the ``nx × ny × nz`` discretisation points of the block (cell
centres of a regular subdivision). Per target:

* ``estimate`` — OK ``Σ λ_i z_i``; SK ``m + Σ λ_i (z_i - m)``;
* ``variance`` (kriging variance) — OK ``C̄_BB - λᵀc̄ - μ``; SK ``C̄_BB - λᵀc̄``;
  ``C̄_BB`` is the average covariance over all pairs of discretisation points;
* ``slope`` of regression of true on estimated block values
  ``Cov(Z_B, Z*) / Var(Z*) = λᵀc̄ / λᵀCλ = λᵀc̄ / (λᵀc̄ - μ)`` (1 for SK);
* ``efficiency`` (Krige's KE) ``(C̄_BB - variance) / C̄_BB``;
* ``n_samples``, ``mean_distance_m`` (Euclidean, block centre to samples),
  ``sum_weights`` (1 for OK) and ``lagrange`` (``μ`` above; NaN for SK; with the
  variogram form of the system the multiplier has the opposite sign).

Nugget effect: for block kriging (more than one discretisation point) the nugget is
left out of ``c̄`` and ``C̄_BB`` (a block average has no nugget variance), as GSLIB
``kt3d`` does. For point kriging (one discretisation point) ``C̄_BB = C(0)`` and a
sample within :data:`~mine2magnet.geostats.variogram.ZERO_LAG_M` of the target gets the
full ``C(0)``, so kriging is exact at data points (PyKrige ``exact_values=True``,
gstools ``exact=True``). Two distinct samples at the same place never share the
nugget, which keeps ``C`` positive definite when the nugget is positive.

Speed: the sample coordinates are transformed once per structure into the
range-normalised space of :mod:`.rotation`; systems are built and solved by a numba
kernel (Cholesky of ``C`` and triangular solves; the ordinary system follows from
``C⁻¹c̄`` and ``C⁻¹1``), with no intermediate arrays. Neighbours are sorted by sample
index; sample-to-sample covariances shared with the previous target are copied rather
than recomputed (the same numbers, from the same coordinates and formula), and a target
with exactly the previous neighbour set reuses its factorisation — so every target's
numbers are those of its own fresh solve, bit for bit. Targets are processed in chunks
through :func:`mine2magnet.parallel.map_chunks`: serial, threaded and Dask runs and any
chunk size give identical results, and working memory is bounded by the chunk size.

Multiple variables: ``values`` may be ``(n, k)``; the weights of each target are then
applied to all ``k`` columns. With the same variogram and neighbourhood for every
element, the estimate of a sum (``TREO_pct``) equals the sum of the estimates, because
kriging is linear in the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.search import NeighbourSearch, SearchParameters
from mine2magnet.geostats.variogram import ZERO_LAG_M, VariogramModel, covariance
from mine2magnet.parallel import map_chunks

__all__ = [
    "STATUS_CODES",
    "EstimationResult",
    "block_covariance",
    "discretisation_offsets",
    "inverse_distance",
    "krige",
    "nearest_neighbour",
    "neighbourhood_analysis",
]

STATUS_CODES = {0: "estimated", 1: "too_few_samples", 2: "singular_system"}
"""Meaning of :attr:`EstimationResult.status`."""

_M_OK, _M_SK, _M_ID, _M_NN = 0, 1, 2, 3
_METHOD_NAMES = {
    _M_OK: "ordinary_kriging",
    _M_SK: "simple_kriging",
    _M_ID: "inverse_distance",
    _M_NN: "nearest_neighbour",
}


@dataclass(frozen=True)
class EstimationResult:
    """Per-target estimates and diagnostics.

    Attributes
    ----------
    method : str
        ``ordinary_kriging``, ``simple_kriging``, ``inverse_distance`` or
        ``nearest_neighbour``.
    estimate : numpy.ndarray
        ``(m,)`` or ``(m, k)`` like ``values``; NaN where not estimated [grade].
    variance : numpy.ndarray
        Kriging variance (NaN for ID/NN) [grade²].
    slope : numpy.ndarray
        Slope of regression (NaN for ID/NN) [-].
    efficiency : numpy.ndarray
        Kriging efficiency (NaN for ID/NN) [-].
    n_samples : numpy.ndarray
        Samples used (or found, when not estimated) [-].
    mean_distance_m : numpy.ndarray
        Mean Euclidean distance from target to the samples used [m].
    sum_weights : numpy.ndarray
        Sum of weights [-].
    lagrange : numpy.ndarray
        Lagrange multiplier μ (NaN for SK, ID, NN) [grade²].
    pass_number : numpy.ndarray
        Search pass that estimated the target, 0 when none did [-].
    status : numpy.ndarray
        See :data:`STATUS_CODES` [-].
    block_variance : float
        ``C̄_BB``, the block (or point) variance of the model (NaN for ID/NN) [grade²].
    n_missing_values : int
        Samples left out because their value was NaN [-].
    """

    method: str
    estimate: NDArray[np.float64]
    variance: NDArray[np.float64]
    slope: NDArray[np.float64]
    efficiency: NDArray[np.float64]
    n_samples: NDArray[np.int64]
    mean_distance_m: NDArray[np.float64]
    sum_weights: NDArray[np.float64]
    lagrange: NDArray[np.float64]
    pass_number: NDArray[np.int8]
    status: NDArray[np.int8]
    block_variance: float
    n_missing_values: int = 0

    def to_frame(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """Table with the block-model column names (``kv``, ``slope``, ``ke`` …).

        Parameters
        ----------
        names : sequence of str, optional
            Column names of the estimate(s); default ``estimate`` or
            ``estimate_0 …``.

        Returns
        -------
        pandas.DataFrame
            One row per target.
        """
        est = self.estimate if self.estimate.ndim == 2 else self.estimate[:, None]
        if names is None:
            names = (
                ["estimate"]
                if self.estimate.ndim == 1
                else [f"estimate_{i}" for i in range(est.shape[1])]
            )
        if len(names) != est.shape[1]:
            raise ValueError(f"{len(names)} names for {est.shape[1]} estimated columns")
        cols: dict[str, Any] = {n: est[:, i] for i, n in enumerate(names)}
        cols.update(
            kv=self.variance,
            slope=self.slope,
            ke=self.efficiency,
            n_samples=self.n_samples,
            avg_distance_m=self.mean_distance_m,
            sum_weights=self.sum_weights,
            lagrange=self.lagrange,
            **{"pass": self.pass_number},
            status=self.status,
        )
        return pd.DataFrame(cols)


# ------------------------------------------------------------------- discretisation


def discretisation_offsets(
    block_size: Sequence[float] | None, discretisation: Sequence[int] = (1, 1, 1)
) -> NDArray[np.float64]:
    """Offsets of the discretisation points from the block centre.

    Parameters
    ----------
    block_size : sequence of float or None
        Block size (x, y, z) [m]; may be None for point kriging.
    discretisation : sequence of int
        Points along x, y, z; the points are the centres of a regular subdivision [-].

    Returns
    -------
    numpy.ndarray
        ``(nx·ny·nz, 3)`` offsets [m], x fastest.

    Examples
    --------
    >>> discretisation_offsets((10.0, 10.0, 5.0), (2, 1, 1)).tolist()
    [[-2.5, 0.0, 0.0], [2.5, 0.0, 0.0]]
    """
    nd = np.asarray(discretisation, dtype=int).reshape(-1)
    if nd.size != 3 or np.any(nd < 1):
        raise ConfigError(f"discretisation {list(nd)} must be three integers ≥ 1")
    if int(np.prod(nd)) == 1:
        return np.zeros((1, 3))
    if block_size is None:
        raise ConfigError("block discretisation needs block_size (x, y, z) [m]")
    bs = np.asarray(block_size, dtype=float).reshape(-1)
    if bs.size != 3 or np.any(~np.isfinite(bs)) or np.any(bs <= 0):
        raise ConfigError(f"block_size {list(bs)} must be three lengths > 0 [m]")
    axes = [((np.arange(n) + 0.5) / n - 0.5) * s for n, s in zip(nd, bs, strict=True)]
    gz, gy, gx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel(), gz.ravel()])


def block_covariance(model: VariogramModel, offsets: ArrayLike) -> float:
    """Average covariance ``C̄_BB`` over all pairs of discretisation points.

    Parameters
    ----------
    model : VariogramModel
        Variogram model.
    offsets : array_like
        Discretisation offsets ``(nd, 3)`` [m].

    Returns
    -------
    float
        ``C(0)`` for one point; otherwise the pair average without the nugget [grade²].
    """
    off = np.asarray(offsets, dtype=float).reshape(-1, 3)
    if off.shape[0] == 1:
        return float(model.sill)
    lags = off[:, None, :] - off[None, :, :]
    return float(
        np.mean(
            covariance(model, lags)
            - np.where(np.linalg.norm(lags, axis=-1) <= ZERO_LAG_M, model.nugget, 0.0)
        )
    )


# ------------------------------------------------------------------------- kernels


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cov_r2(kind, r2):  # pragma: no cover - compiled
    """Unit covariance ``1 - g(r)`` from the squared normalised lag ``r²``."""
    if kind == 0:
        r2 = min(r2, 1.0)  # branch-free: exactly 0 from the range on
        r = math.sqrt(r2)
        return 1.0 - r * (1.5 - 0.5 * r2)
    if kind == 1:
        return math.exp(-3.0 * math.sqrt(r2))
    return math.exp(-3.0 * r2)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _factor(C, L, LT, n, tiny):  # pragma: no cover - compiled
    """Cholesky ``C = L Lᵀ`` from the lower triangle of ``C``; False if not PD.

    Left-looking by columns; four rows are updated together (independent sums, each in
    the usual order), which hides the latency of the dot products without changing a
    bit. ``LT`` receives ``Lᵀ`` for contiguous forward substitution.
    """
    for j in range(n):
        sd = C[j, j]
        for k in range(j):
            sd -= L[j, k] * L[j, k]
        if sd <= tiny:
            return False
        dj = math.sqrt(sd)
        L[j, j] = dj
        LT[j, j] = dj
        i = j + 1
        while i + 3 < n:
            a0 = C[i, j]
            a1 = C[i + 1, j]
            a2 = C[i + 2, j]
            a3 = C[i + 3, j]
            for k in range(j):
                ljk = L[j, k]
                a0 -= L[i, k] * ljk
                a1 -= L[i + 1, k] * ljk
                a2 -= L[i + 2, k] * ljk
                a3 -= L[i + 3, k] * ljk
            a0 /= dj
            a1 /= dj
            a2 /= dj
            a3 /= dj
            L[i, j] = a0
            L[i + 1, j] = a1
            L[i + 2, j] = a2
            L[i + 3, j] = a3
            LT[j, i] = a0
            LT[j, i + 1] = a1
            LT[j, i + 2] = a2
            LT[j, i + 3] = a3
            i += 4
        while i < n:
            acc = C[i, j]
            for k in range(j):
                acc -= L[i, k] * L[j, k]
            acc /= dj
            L[i, j] = acc
            LT[j, i] = acc
            i += 1
    return True


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _forward(LT, n, b, y):  # pragma: no cover - compiled
    """Solve ``L y = b`` with ``LT = Lᵀ`` (contiguous column updates)."""
    for i in range(n):
        y[i] = b[i]
    for k in range(n):
        yk = y[k] / LT[k, k]
        y[k] = yk
        for i in range(k + 1, n):
            y[i] -= LT[k, i] * yk


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _backward(L, n, y, x):  # pragma: no cover - compiled
    """Solve ``Lᵀ x = y`` (``y`` is overwritten; contiguous row updates)."""
    for i in range(n - 1, -1, -1):
        xi = y[i] / L[i, i]
        x[i] = xi
        for k in range(i):
            y[k] -= L[i, k] * xi


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _krige_kernel(
    nbr,
    cnt,
    U,
    TC,
    OFF,
    kinds,
    sills,
    nugget,
    cbb,
    point_mode,
    simple,
    Z,
    mean,
    X,
    CEN,
    est,
    var,
    slope,
    ke,
    sumw,
    lagr,
    avgd,
    status,
):  # pragma: no cover - compiled
    m, K = nbr.shape
    nst = U.shape[0]
    nd = OFF.shape[1]
    nv = Z.shape[1]
    c0 = nugget
    for s in range(nst):
        c0 += sills[s]
    tiny = 1e-12 * c0
    zero2 = 1e-18  # (ZERO_LAG_M)²
    CB = np.zeros((2, K, K))  # raw covariances: current and previous neighbour set
    L = np.zeros((K, K))
    LT = np.zeros((K, K))
    P = np.empty((nst, K, 3))
    pos = np.empty(K, dtype=np.int64)
    b = np.empty(K)
    y1 = np.empty(K)
    y2 = np.empty(K)
    lam = np.empty(K)
    prev = np.empty(K, dtype=np.int64)
    prev_n = 0  # size of the set whose covariances are in CB[cur]
    cur = 0
    fact_ok = False  # L holds the factor of the set in prev[:prev_n]
    s22 = 0.0
    for t in range(m):
        n = cnt[t]
        if n <= 0:
            status[t] = 1
            continue
        for i in range(n):
            j = nbr[t, i]
            for s in range(nst):
                P[s, i, 0] = U[s, j, 0]
                P[s, i, 1] = U[s, j, 1]
                P[s, i, 2] = U[s, j, 2]
        # position of each neighbour in the previous (sorted) set, -1 if new
        same = n == prev_n
        q = 0
        for i in range(n):
            j = nbr[t, i]
            while q < prev_n and prev[q] < j:
                q += 1
            if q < prev_n and prev[q] == j:
                pos[i] = q
            else:
                pos[i] = -1
                same = False
        if not (same and fact_ok):
            # sample-to-sample covariances: those shared with the previous set are
            # copied (same numbers: same coordinates, same formula), the rest computed
            old = cur
            cur = 1 - cur
            for i in range(n):
                pi = pos[i]
                CB[cur, i, i] = c0
                for k in range(i):
                    pk = pos[k]
                    if pi >= 0 and pk >= 0:
                        CB[cur, i, k] = CB[old, pi, pk]
                        continue
                    acc = 0.0
                    for s in range(nst):
                        dx = P[s, i, 0] - P[s, k, 0]
                        dy = P[s, i, 1] - P[s, k, 1]
                        dz = P[s, i, 2] - P[s, k, 2]
                        acc += sills[s] * _cov_r2(kinds[s], dx * dx + dy * dy + dz * dz)
                    CB[cur, i, k] = acc
            for i in range(n):
                prev[i] = nbr[t, i]
            prev_n = n
            fact_ok = _factor(CB[cur], L, LT, n, tiny)
            if not fact_ok:
                status[t] = 2
                continue
            if not simple:
                for i in range(n):
                    b[i] = 1.0
                _forward(LT, n, b, y2)  # y2 = L⁻¹ 1
                s22 = 0.0
                for i in range(n):
                    s22 += y2[i] * y2[i]
        # right-hand side: sample-to-block covariances averaged over discretisation
        dsum = 0.0
        for i in range(n):
            acc = 0.0
            for s in range(nst):
                ux = P[s, i, 0] - TC[s, t, 0]
                uy = P[s, i, 1] - TC[s, t, 1]
                uz = P[s, i, 2] - TC[s, t, 2]
                sub = 0.0
                for d in range(nd):
                    dx = ux - OFF[s, d, 0]
                    dy = uy - OFF[s, d, 1]
                    dz = uz - OFF[s, d, 2]
                    sub += _cov_r2(kinds[s], dx * dx + dy * dy + dz * dz)
                acc += sills[s] * sub
            acc /= nd
            j = nbr[t, i]
            ex = X[j, 0] - CEN[t, 0]
            ey = X[j, 1] - CEN[t, 1]
            ez = X[j, 2] - CEN[t, 2]
            e2 = ex * ex + ey * ey + ez * ez
            if point_mode and e2 <= zero2:
                acc += nugget
            dsum += math.sqrt(e2)
            b[i] = acc
        # y1 = L⁻¹ c̄; OK: μ = (1ᵀC⁻¹c̄ - 1) / 1ᵀC⁻¹1 = (y2·y1 - 1) / y2·y2 and
        # λ = L⁻ᵀ (y1 - μ y2); SK: λ = L⁻ᵀ y1
        _forward(LT, n, b, y1)
        mu = 0.0
        if not simple:
            s12 = 0.0
            for i in range(n):
                s12 += y2[i] * y1[i]
            mu = (s12 - 1.0) / s22
            for i in range(n):
                y1[i] -= mu * y2[i]
        _backward(L, n, y1, lam)
        lc = 0.0
        sw = 0.0
        for i in range(n):
            lc += lam[i] * b[i]
            sw += lam[i]
        for v in range(nv):
            acc = 0.0
            if simple:
                for i in range(n):
                    acc += lam[i] * (Z[nbr[t, i], v] - mean[v])
                est[t, v] = mean[v] + acc
            else:
                for i in range(n):
                    acc += lam[i] * Z[nbr[t, i], v]
                est[t, v] = acc
        if simple:
            kv = cbb - lc
            slope[t] = 1.0 if lc > 0.0 else math.nan
            lagr[t] = math.nan
        else:
            kv = cbb - lc - mu
            den = lc - mu
            slope[t] = lc / den if den != 0.0 else math.nan
            lagr[t] = mu
        var[t] = kv
        ke[t] = (cbb - kv) / cbb if cbb > 0.0 else math.nan
        sumw[t] = sw
        avgd[t] = dsum / n
        status[t] = 0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _idw_kernel(
    nbr, dist, cnt, Z, power, nearest, X, CEN, est, sumw, avgd, nused
):  # pragma: no cover
    m = nbr.shape[0]
    nv = Z.shape[1]
    for t in range(m):
        n = cnt[t]
        if n <= 0:
            continue
        if nearest:
            j = nbr[t, 0]
            for v in range(nv):
                est[t, v] = Z[j, v]
            ex = X[j, 0] - CEN[t, 0]
            ey = X[j, 1] - CEN[t, 1]
            ez = X[j, 2] - CEN[t, 2]
            avgd[t] = math.sqrt(ex * ex + ey * ey + ez * ez)
            sumw[t] = 1.0
            nused[t] = 1
            continue
        nzero = 0
        for i in range(n):
            if dist[t, i] <= 1e-12:
                nzero += 1
        wsum = 0.0
        dsum = 0.0
        for v in range(nv):
            est[t, v] = 0.0
        for i in range(n):
            j = nbr[t, i]
            w = (1.0 if dist[t, i] <= 1e-12 else 0.0) if nzero > 0 else dist[t, i] ** (-power)
            wsum += w
            for v in range(nv):
                est[t, v] += w * Z[j, v]
            ex = X[j, 0] - CEN[t, 0]
            ey = X[j, 1] - CEN[t, 1]
            ez = X[j, 2] - CEN[t, 2]
            dsum += math.sqrt(ex * ex + ey * ey + ez * ez)
        for v in range(nv):
            est[t, v] /= wsum
        sumw[t] = 1.0
        avgd[t] = dsum / n
        nused[t] = n


# --------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class _Plan:
    method: int
    X: NDArray[np.float64]
    Z: NDArray[np.float64]
    searches: tuple[NeighbourSearch, ...]
    U: NDArray[np.float64]
    A: NDArray[np.float64]
    OFF: NDArray[np.float64]
    kinds: NDArray[np.int64]
    sills: NDArray[np.float64]
    nugget: float
    cbb: float
    point_mode: bool
    mean: NDArray[np.float64]
    power: float


def _empty_outputs(m: int, nv: int) -> dict[str, NDArray[Any]]:
    return {
        "estimate": np.full((m, nv), np.nan),
        "variance": np.full(m, np.nan),
        "slope": np.full(m, np.nan),
        "efficiency": np.full(m, np.nan),
        "n_samples": np.zeros(m, dtype=np.int64),
        "mean_distance_m": np.full(m, np.nan),
        "sum_weights": np.full(m, np.nan),
        "lagrange": np.full(m, np.nan),
        "pass_number": np.zeros(m, dtype=np.int8),
        "status": np.ones(m, dtype=np.int8),
    }


def _estimate_chunk(targets: NDArray[np.float64], plan: _Plan) -> dict[str, NDArray[Any]]:
    """Estimate one chunk of targets through all search passes (module level: picklable)."""
    T = np.ascontiguousarray(np.asarray(targets, dtype=float).reshape(-1, 3))
    m = T.shape[0]
    nv = plan.Z.shape[1]
    out = _empty_outputs(m, nv)
    remaining = np.arange(m)
    n = plan.X.shape[0]
    for p, search in enumerate(plan.searches, start=1):
        if remaining.size == 0:
            break
        nb = search.query(T[remaining])
        ok = nb.count >= search.params.min_samples
        out["n_samples"][remaining] = nb.count
        rows = remaining[ok]
        remaining = remaining[~ok]
        if rows.size == 0:
            continue
        idx, cnt, dist = nb.index[ok], nb.count[ok], nb.distance[ok]
        CEN = np.ascontiguousarray(T[rows])
        r = rows.size
        est = np.full((r, nv), np.nan)
        sumw = np.full(r, np.nan)
        avgd = np.full(r, np.nan)
        if plan.method in (_M_OK, _M_SK):
            key = np.where(idx < 0, n, idx)
            key.sort(axis=1)
            idx = np.ascontiguousarray(np.where(key == n, -1, key))
            TC = np.ascontiguousarray(np.einsum("mj,sij->smi", CEN, plan.A))
            var = np.full(r, np.nan)
            slope = np.full(r, np.nan)
            ke = np.full(r, np.nan)
            lagr = np.full(r, np.nan)
            status = np.ones(r, dtype=np.int8)
            _krige_kernel(
                idx,
                cnt,
                plan.U,
                TC,
                plan.OFF,
                plan.kinds,
                plan.sills,
                plan.nugget,
                plan.cbb,
                plan.point_mode,
                plan.method == _M_SK,
                plan.Z,
                plan.mean,
                plan.X,
                CEN,
                est,
                var,
                slope,
                ke,
                sumw,
                lagr,
                avgd,
                status,
            )
            out["variance"][rows] = var
            out["slope"][rows] = slope
            out["efficiency"][rows] = ke
            out["lagrange"][rows] = lagr
            out["status"][rows] = status
            out["n_samples"][rows] = cnt
        else:
            nused = np.zeros(r, dtype=np.int64)
            _idw_kernel(
                np.ascontiguousarray(idx),
                np.ascontiguousarray(dist),
                cnt,
                plan.Z,
                plan.power,
                plan.method == _M_NN,
                plan.X,
                CEN,
                est,
                sumw,
                avgd,
                nused,
            )
            out["status"][rows] = 0
            out["n_samples"][rows] = nused
        out["estimate"][rows] = est
        out["sum_weights"][rows] = sumw
        out["mean_distance_m"][rows] = avgd
        out["pass_number"][rows] = np.where(out["status"][rows] == 0, p, 0)
    return out


def _prepare(
    samples: ArrayLike,
    values: ArrayLike,
    targets: ArrayLike,
    hole_id: ArrayLike | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool, NDArray[np.float64], Any, int]:
    X = np.asarray(samples, dtype=float)
    if X.ndim != 2 or X.shape[1] != 3:
        raise DataError(f"sample coordinates must be an (n, 3) array, got shape {X.shape}")
    Z = np.asarray(values, dtype=float)
    one_d = Z.ndim == 1
    Z2 = Z[:, None] if one_d else Z
    if Z2.ndim != 2 or Z2.shape[0] != X.shape[0]:
        raise DataError(f"values shape {Z.shape} does not match {X.shape[0]} samples")
    if not np.all(np.isfinite(X)):
        raise DataError("sample coordinates contain NaN or infinite values; drop those rows")
    bad = ~np.all(np.isfinite(Z2), axis=1)
    n_missing = int(bad.sum())
    if n_missing and not one_d:
        raise DataError(
            f"{n_missing} sample(s) have a NaN in some column; estimate columns separately "
            "or drop those samples"
        )
    holes = None if hole_id is None else np.asarray(hole_id)
    if holes is not None and holes.shape[0] != X.shape[0]:
        raise DataError(f"hole_id has {holes.shape[0]} entries for {X.shape[0]} samples")
    if n_missing:
        X, Z2 = X[~bad], Z2[~bad]
        holes = None if holes is None else holes[~bad]
    T = np.asarray(targets, dtype=float)
    if T.ndim != 2 or T.shape[1] != 3 or not np.all(np.isfinite(T)):
        raise DataError(f"targets must be a finite (m, 3) array, got shape {T.shape}")
    return (
        np.ascontiguousarray(X),
        np.ascontiguousarray(Z2),
        one_d,
        np.ascontiguousarray(T),
        holes,
        n_missing,
    )


def _passes(search: SearchParameters | Sequence[SearchParameters]) -> list[SearchParameters]:
    plist = [search] if isinstance(search, SearchParameters) else list(search)
    if not 1 <= len(plist) <= 3 or not all(isinstance(p, SearchParameters) for p in plist):
        raise ConfigError("give one to three SearchParameters passes")
    return plist


def _run(
    plan: _Plan,
    T: NDArray[np.float64],
    one_d: bool,
    chunk_size: int,
    executor: Any,
    workers: int | None,
    n_missing: int,
) -> EstimationResult:
    if chunk_size < 1:
        raise ConfigError(f"chunk_size {chunk_size} must be ≥ 1")
    chunks = [T[i : i + chunk_size] for i in range(0, max(T.shape[0], 1), chunk_size)]
    parts = map_chunks(_estimate_chunk, chunks, executor=executor, workers=workers, args=(plan,))
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    est = cat["estimate"][:, 0] if one_d else cat["estimate"]
    return EstimationResult(
        method=_METHOD_NAMES[plan.method],
        estimate=est,
        variance=cat["variance"],
        slope=cat["slope"],
        efficiency=cat["efficiency"],
        n_samples=cat["n_samples"],
        mean_distance_m=cat["mean_distance_m"],
        sum_weights=cat["sum_weights"],
        lagrange=cat["lagrange"],
        pass_number=cat["pass_number"],
        status=cat["status"],
        block_variance=plan.cbb,
        n_missing_values=n_missing,
    )


def krige(
    samples: ArrayLike,
    values: ArrayLike,
    targets: ArrayLike,
    model: VariogramModel,
    search: SearchParameters | Sequence[SearchParameters],
    *,
    method: Literal["ordinary", "simple"] = "ordinary",
    mean: float | ArrayLike | None = None,
    block_size: Sequence[float] | None = None,
    discretisation: Sequence[int] = (1, 1, 1),
    hole_id: ArrayLike | None = None,
    chunk_size: int = 20_000,
    executor: Any = "serial",
    workers: int | None = None,
) -> EstimationResult:
    """Ordinary or simple kriging of blocks (or points) with up to three search passes.

    Parameters
    ----------
    samples : array_like
        Sample coordinates ``(n, 3)`` (easting, northing, elevation) [m].
    values : array_like
        Sample values ``(n,)`` (NaN samples are left out) or ``(n, k)`` (no NaN; the
        same weights serve every column) [grade].
    targets : array_like
        Block centres (or points) ``(m, 3)`` [m].
    model : VariogramModel
        Variogram model (GSLIB conventions, see :mod:`.variogram`).
    search : SearchParameters or sequence of them
        One to three passes; a target not estimated by pass ``p`` (fewer than its
        ``min_samples``) is tried in pass ``p + 1``.
    method : str
        ``"ordinary"`` or ``"simple"``.
    mean : float or array_like, optional
        Simple-kriging mean, one per column; required for ``"simple"`` [grade].
    block_size : sequence of float, optional
        Block size (x, y, z); needed when discretising [m].
    discretisation : sequence of int
        Discretisation points along x, y, z; ``(1, 1, 1)`` is point kriging [-].
    hole_id : array_like, optional
        Drillhole id per sample, for ``max_per_hole``.
    chunk_size : int
        Targets per chunk; bounds working memory [-].
    executor : str or dask.distributed.Client
        ``"serial"``, ``"threads"`` or a Dask client, see :func:`~mine2magnet.parallel.map_chunks`.
    workers : int, optional
        Thread count for ``"threads"`` [-].

    Returns
    -------
    EstimationResult
        Estimates and diagnostics per target. A target whose system is singular (for
        example duplicate samples and no nugget) gets ``status`` 2, a NaN estimate and
        is not tried in later passes.

    Examples
    --------
    >>> import numpy as np
    >>> from mine2magnet.geostats import Structure, VariogramModel, SearchParameters
    >>> xyz = np.array([[0.0, 0, 0], [10, 0, 0], [0, 10, 0], [10, 10, 0]])
    >>> model = VariogramModel(0.0, (Structure("spherical", 1.0, 50.0),))
    >>> res = krige(xyz, [1.0, 2.0, 3.0, 4.0], [[5.0, 5.0, 0.0]], model,
    ...             SearchParameters(100.0, max_samples=4))
    >>> round(float(res.estimate[0]), 12), round(float(res.sum_weights[0]), 12)
    (2.5, 1.0)
    """
    X, Z, one_d, T, holes, n_missing = _prepare(samples, values, targets, hole_id)
    if method not in ("ordinary", "simple"):
        raise ConfigError(f"kriging method {method!r} is not 'ordinary' or 'simple'")
    if not isinstance(model, VariogramModel):
        raise ConfigError("model must be a VariogramModel")
    simple = method == "simple"
    if simple:
        if mean is None:
            raise ConfigError("simple kriging needs the stationary mean (mean=...)")
        mvec = np.broadcast_to(np.asarray(mean, dtype=float).reshape(-1), (Z.shape[1],)).copy()
    else:
        mvec = np.zeros(Z.shape[1])
    off = discretisation_offsets(block_size, discretisation)
    point_mode = off.shape[0] == 1
    nst = len(model.structures)
    A = np.array([s.matrix() for s in model.structures]).reshape(nst, 3, 3)
    plan = _Plan(
        method=_M_SK if simple else _M_OK,
        X=X,
        Z=Z,
        searches=tuple(NeighbourSearch(X, p, holes) for p in _passes(search)),
        U=np.ascontiguousarray(np.einsum("nj,sij->sni", X, A)),
        A=A,
        OFF=np.ascontiguousarray(np.einsum("dj,sij->sdi", off, A)),
        kinds=np.array([s.code for s in model.structures], dtype=np.int64),
        sills=np.array([s.sill for s in model.structures], dtype=float),
        nugget=float(model.nugget),
        cbb=block_covariance(model, off),
        point_mode=point_mode,
        mean=mvec,
        power=math.nan,
    )
    return _run(plan, T, one_d, chunk_size, executor, workers, n_missing)


def _simple_plan(method: int, X, Z, searches, power: float) -> _Plan:
    return _Plan(
        method=method,
        X=X,
        Z=Z,
        searches=searches,
        U=np.zeros((0, X.shape[0], 3)),
        A=np.zeros((0, 3, 3)),
        OFF=np.zeros((0, 1, 3)),
        kinds=np.zeros(0, dtype=np.int64),
        sills=np.zeros(0),
        nugget=0.0,
        cbb=math.nan,
        point_mode=True,
        mean=np.zeros(Z.shape[1]),
        power=power,
    )


def inverse_distance(
    samples: ArrayLike,
    values: ArrayLike,
    targets: ArrayLike,
    search: SearchParameters | Sequence[SearchParameters],
    *,
    power: float = 2.0,
    hole_id: ArrayLike | None = None,
    chunk_size: int = 20_000,
    executor: Any = "serial",
    workers: int | None = None,
) -> EstimationResult:
    """Inverse-distance estimate with anisotropic distance and the kriging search.

    Weights are ``d⁻ᵖ`` with ``d`` the anisotropic distance of the search ellipsoid
    (``|A h|``; its scale cancels). A target on a sample takes that sample's value
    (the mean of all coincident samples).

    Parameters
    ----------
    samples, values, targets
        As in :func:`krige` [m], [grade], [m].
    search : SearchParameters or sequence of them
        One to three search passes.
    power : float
        Inverse-distance power [-].
    hole_id, chunk_size, executor, workers
        As in :func:`krige`.

    Returns
    -------
    EstimationResult
        ``variance``, ``slope``, ``efficiency``, ``lagrange`` are NaN.
    """
    X, Z, one_d, T, holes, n_missing = _prepare(samples, values, targets, hole_id)
    if not (math.isfinite(power) and power >= 0):
        raise ConfigError(f"inverse-distance power {power!r} must be ≥ 0")
    searches = tuple(NeighbourSearch(X, p, holes) for p in _passes(search))
    plan = _simple_plan(_M_ID, X, Z, searches, float(power))
    return _run(plan, T, one_d, chunk_size, executor, workers, n_missing)


def nearest_neighbour(
    samples: ArrayLike,
    values: ArrayLike,
    targets: ArrayLike,
    search: SearchParameters | Sequence[SearchParameters],
    *,
    hole_id: ArrayLike | None = None,
    chunk_size: int = 20_000,
    executor: Any = "serial",
    workers: int | None = None,
) -> EstimationResult:
    """Nearest sample in anisotropic (search-ellipsoid) distance, same search as kriging.

    Parameters
    ----------
    samples, values, targets
        As in :func:`krige` [m], [grade], [m].
    search : SearchParameters or sequence of them
        One to three search passes (``min_samples`` still applies).
    hole_id, chunk_size, executor, workers
        As in :func:`krige`.

    Returns
    -------
    EstimationResult
        ``n_samples`` is 1 where estimated; ``mean_distance_m`` is the distance to the
        nearest sample.
    """
    X, Z, one_d, T, holes, n_missing = _prepare(samples, values, targets, hole_id)
    searches = tuple(NeighbourSearch(X, p, holes) for p in _passes(search))
    plan = _simple_plan(_M_NN, X, Z, searches, math.nan)
    return _run(plan, T, one_d, chunk_size, executor, workers, n_missing)


def neighbourhood_analysis(
    samples: ArrayLike,
    values: ArrayLike,
    targets: ArrayLike,
    model: VariogramModel,
    search: SearchParameters,
    *,
    block_sizes: Sequence[Sequence[float]],
    max_samples: Sequence[int],
    discretisation: Sequence[int] = (4, 4, 2),
    hole_id: ArrayLike | None = None,
) -> pd.DataFrame:
    """Kriging neighbourhood analysis: slope and efficiency against block and search size.

    Every test block is kriged (ordinary, one pass) for each block size and each
    maximum number of samples; the other search settings come from ``search``.

    Parameters
    ----------
    samples, values
        As in :func:`krige` [m], [grade].
    targets : array_like
        Centres of the chosen test blocks ``(m, 3)`` [m].
    model : VariogramModel
        Variogram model.
    search : SearchParameters
        Base search; its ``max_samples`` is replaced by each entry of ``max_samples``.
    block_sizes : sequence of (float, float, float)
        Block sizes to try [m].
    max_samples : sequence of int
        Maximum numbers of samples to try [-].
    discretisation : sequence of int
        Discretisation points per block [-].
    hole_id : array_like, optional
        Drillhole id per sample, for ``max_per_hole``.

    Returns
    -------
    pandas.DataFrame
        One row per (block size, max samples, target): ``block_x_m``, ``block_y_m``,
        ``block_z_m``, ``max_samples``, ``target``, ``n_samples``, ``kv``, ``slope``,
        ``ke``, ``sum_weights``, ``lagrange``, ``block_variance``.
    """
    T = np.asarray(targets, dtype=float).reshape(-1, 3)
    rows = []
    for bs in block_sizes:
        bsz = tuple(float(v) for v in bs)
        for k in max_samples:
            kk = int(k)
            p = replace(search, max_samples=kk, min_samples=min(search.min_samples, kk))
            res = krige(
                samples, values, T, model, p, block_size=bsz,
                discretisation=discretisation, hole_id=hole_id,
            )  # fmt: skip
            rows.append(
                pd.DataFrame(
                    {
                        "block_x_m": bsz[0],
                        "block_y_m": bsz[1],
                        "block_z_m": bsz[2],
                        "max_samples": kk,
                        "target": np.arange(len(T)),
                        "n_samples": res.n_samples,
                        "kv": res.variance,
                        "slope": res.slope,
                        "ke": res.efficiency,
                        "sum_weights": res.sum_weights,
                        "lagrange": res.lagrange,
                        "block_variance": res.block_variance,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)
