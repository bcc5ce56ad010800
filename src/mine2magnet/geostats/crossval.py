"""Leave-one-out and leave-hole-out cross-validation of point kriging.

Each chosen sample is estimated (point kriging, the domain's model, search passes and
method) from the *other* samples: leave-one-out drops only the sample itself,
leave-hole-out drops every sample of its drillhole (the honest test when composites are
closely spaced down the hole). Neighbours are selected exactly as
:class:`~mine2magnet.geostats.NeighbourSearch` selects them (nearest first in the
anisotropic distance of the pass, ties by lower sample index, then ``max_per_hole`` and
``max_per_octant``) with the left-out samples removed *before* selection, as GSLIB
``kt3d`` does in cross-validation mode; the estimates therefore equal
:func:`~mine2magnet.geostats.krige` run on the data with those samples deleted (the tests
check this to 1e-9).

Statistics (:func:`crossval_statistics`), with ``z`` the true and ``z*`` the estimated
value over the estimated samples:

* ``mean_error`` = mean(z* − z) (bias), ``rmse`` = √mean((z* − z)²);
* ``correlation`` = Pearson ρ(z, z*);
* ``slope`` of the regression of true on estimate, Cov(z, z*) / Var(z*) (1 = conditionally
  unbiased; < 1 = estimates too variable);
* ``mean_standardised_error`` = mean((z* − z)/σ_K) and ``mean_squared_standardised_error``
  (≈ 0 and ≈ 1 when the kriging variance is right).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.search import SearchParameters, admit_neighbour
from mine2magnet.geostats.variogram import VariogramModel
from mine2magnet.parallel import map_chunks

__all__ = ["CrossValidation", "cross_validate", "crossval_statistics"]

Kind = Literal["leave_one_out", "leave_hole_out"]
_UB = 1.0 + 1e-9


@dataclass(frozen=True)
class CrossValidation:
    """Cross-validation result.

    Attributes
    ----------
    kind : str
        ``leave_one_out`` or ``leave_hole_out``.
    samples : pandas.DataFrame
        One row per left-out sample: ``sample`` (index into the input), ``true``,
        ``estimate``, ``error`` (estimate − true) per column (``<col>``,
        ``<col>_estimate``, ``<col>_error``), ``kv`` [grade²], ``n_samples``, ``pass``.
    statistics : pandas.DataFrame
        One row per column, see :func:`crossval_statistics`.
    """

    kind: str
    samples: pd.DataFrame
    statistics: pd.DataFrame


def crossval_statistics(
    true: ArrayLike, estimate: ArrayLike, variance: ArrayLike | None = None
) -> dict[str, float]:
    """Error statistics of estimates against true values (NaN pairs ignored).

    Parameters
    ----------
    true : array_like
        True values [grade].
    estimate : array_like
        Estimates [grade].
    variance : array_like, optional
        Kriging variances for the standardised errors [grade²].

    Returns
    -------
    dict of str to float
        ``n``, ``mean_true``, ``mean_estimate``, ``mean_error``, ``rmse``,
        ``correlation``, ``slope``, ``var_true``, ``var_estimate`` and, with
        ``variance``, ``mean_standardised_error`` and ``mean_squared_standardised_error``.

    Examples
    --------
    >>> s = crossval_statistics([1.0, 2.0, 3.0], [1.5, 2.0, 2.5])
    >>> s["mean_error"], s["slope"], round(s["correlation"], 12)
    (0.0, 2.0, 1.0)
    """
    z = np.asarray(true, dtype=float).ravel()
    e = np.asarray(estimate, dtype=float).ravel()
    if z.shape != e.shape:
        raise DataError(f"true {z.shape} and estimate {e.shape} differ in length")
    ok = np.isfinite(z) & np.isfinite(e)
    v = None if variance is None else np.asarray(variance, dtype=float).ravel()
    if v is not None:
        ok &= np.isfinite(v) & (v > 0)
    z, e = z[ok], e[ok]
    n = int(z.size)
    out: dict[str, float] = {"n": float(n)}
    if n == 0:
        nan = math.nan
        out.update(
            mean_true=nan, mean_estimate=nan, mean_error=nan, rmse=nan, correlation=nan,
            slope=nan, var_true=nan, var_estimate=nan,
        )  # fmt: skip
        if v is not None:
            out.update(mean_standardised_error=nan, mean_squared_standardised_error=nan)
        return out
    err = e - z
    ve = float(np.var(e))
    vz = float(np.var(z))
    cov = float(np.mean((z - z.mean()) * (e - e.mean())))
    out.update(
        mean_true=float(z.mean()),
        mean_estimate=float(e.mean()),
        mean_error=float(err.mean()),
        rmse=float(np.sqrt(np.mean(err**2))),
        correlation=cov / math.sqrt(vz * ve) if vz > 0 and ve > 0 else math.nan,
        slope=cov / ve if ve > 0 else math.nan,
        var_true=vz,
        var_estimate=ve,
    )
    if v is not None:
        se = err / np.sqrt(v[ok])
        out.update(
            mean_standardised_error=float(se.mean()),
            mean_squared_standardised_error=float(np.mean(se**2)),
        )
    return out


# ----------------------------------------------------------------------- selection


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _select_excluding(
    cand, n, U, T, tgt, holes, exclude_hole, max_hole, max_oct, K, out_i, out_c, full
):  # pragma: no cover - compiled
    """Greedy nearest-first selection with the left-out samples removed first.

    ``cand`` rows hold KD-tree candidates (``n`` = padding); they are re-sorted by
    (distance, index) with distances recomputed from ``U``.
    """
    m, k = cand.shape
    d = np.empty(k)
    idx = np.empty(k, dtype=np.int64)
    sel_holes = np.empty(K, dtype=np.int64)
    octs = np.zeros(8, dtype=np.int64)
    for t in range(m):
        s = tgt[t]
        c = 0
        nc = 0
        for q in range(k):
            j = cand[t, q]
            if j >= n:
                break
            dx = U[j, 0] - T[t, 0]
            dy = U[j, 1] - T[t, 1]
            dz = U[j, 2] - T[t, 2]
            dd = math.sqrt(dx * dx + dy * dy + dz * dz)
            if not (dd <= 1.0 + 1e-9):
                continue
            # insertion by (distance, index)
            p = nc
            while p > 0 and (d[p - 1] > dd or (d[p - 1] == dd and idx[p - 1] > j)):
                d[p] = d[p - 1]
                idx[p] = idx[p - 1]
                p -= 1
            d[p] = dd
            idx[p] = j
            nc += 1
        # the candidate list was cut short: the caller must ask for more
        full[t] = cand[t, k - 1] < n
        for o in range(8):
            octs[o] = 0
        for q in range(nc):
            j = idx[q]
            if j == s:
                continue
            if exclude_hole and holes[j] == holes[s]:
                continue
            if not admit_neighbour(j, t, U, T, holes, sel_holes, c, octs, max_hole, max_oct):
                continue
            sel_holes[c] = holes[j]
            out_i[t, c] = j
            c += 1
            if c == K:
                full[t] = False  # enough: no need for more candidates
                break
        out_c[t] = c


def _neighbours(
    tree: cKDTree,
    U: NDArray[np.float64],
    X: NDArray[np.float64],
    tgt: NDArray[np.int64],
    holes: NDArray[np.int64],
    exclude_hole: bool,
    p: SearchParameters,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    n = U.shape[0]
    K = p.max_samples
    out_i = np.full((tgt.size, K), -1, dtype=np.int64)
    out_c = np.zeros(tgt.size, dtype=np.int64)
    # targets transformed as NeighbourSearch transforms them (same rounding)
    T = np.ascontiguousarray(X[tgt] @ p.matrix().T)
    todo = np.arange(tgt.size)
    kq = min(n, 4 * K + 8)
    while todo.size:
        _, cand = tree.query(T[todo], k=max(kq, 1), distance_upper_bound=_UB)
        cand = np.ascontiguousarray(np.asarray(cand, dtype=np.int64).reshape(todo.size, -1))
        oi = np.full((todo.size, K), -1, dtype=np.int64)
        oc = np.zeros(todo.size, dtype=np.int64)
        full = np.zeros(todo.size, dtype=np.bool_)
        _select_excluding(
            cand, n, U, T[todo], tgt[todo], holes, exclude_hole,
            p.max_per_hole or 0, p.max_per_octant or 0, K, oi, oc, full,
        )  # fmt: skip
        out_i[todo] = oi
        out_c[todo] = oc
        if kq >= n:
            break
        todo = todo[full]
        kq = min(n, 4 * kq)
    return out_i, out_c


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _unit_cov(kind, r2):  # pragma: no cover - compiled
    """Unit covariance ``1 - g(r)`` of a structure from the squared normalised lag."""
    if kind == 0:
        if r2 >= 1.0:
            return 0.0
        r = math.sqrt(r2)
        return 1.0 - r * (1.5 - 0.5 * r2)
    if kind == 1:
        return math.exp(-3.0 * math.sqrt(r2))
    return math.exp(-3.0 * r2)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cov(S, kinds, sills, nugget, X, a, b, zero2):  # pragma: no cover - compiled
    """Covariance between samples ``a`` and ``b`` (distinct samples never share the
    nugget; a sample with itself gets ``C(0)``)."""
    c0 = nugget
    for s in range(kinds.size):
        c0 += sills[s]
    if a == b:
        return c0
    dx = X[a, 0] - X[b, 0]
    dy = X[a, 1] - X[b, 1]
    dz = X[a, 2] - X[b, 2]
    if dx * dx + dy * dy + dz * dz <= zero2:
        return c0 - nugget
    acc = 0.0
    for s in range(kinds.size):
        ex = S[s, a, 0] - S[s, b, 0]
        ey = S[s, a, 1] - S[s, b, 1]
        ez = S[s, a, 2] - S[s, b, 2]
        acc += sills[s] * _unit_cov(kinds[s], ex * ex + ey * ey + ez * ez)
    return acc


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _solve_kernel(
    S, kinds, sills, nugget, X, Z, tgt, nbr, cnt, simple, mean, est, var, good
):  # pragma: no cover - compiled
    """Point kriging at sample ``tgt[t]`` from ``nbr[t, :cnt[t]]`` (Cholesky solves)."""
    m, K = nbr.shape
    nv = Z.shape[1]
    c0 = nugget
    for s in range(kinds.size):
        c0 += sills[s]
    zero2 = 1e-18  # ZERO_LAG_M²
    tiny = 1e-12 * c0
    L = np.zeros((K, K))
    cb = np.empty(K)
    y1 = np.empty(K)
    y2 = np.empty(K)
    for t in range(m):
        n = cnt[t]
        good[t] = False
        if n <= 0:
            continue
        p = tgt[t]
        ok = True
        for i in range(n):  # Cholesky of C, row by row
            ii = nbr[t, i]
            for j in range(i + 1):
                jj = nbr[t, j]
                acc = c0 if i == j else _cov(S, kinds, sills, nugget, X, ii, jj, zero2)
                for k in range(j):
                    acc -= L[i, k] * L[j, k]
                if i == j:
                    if acc <= tiny:
                        ok = False
                        break
                    L[i, i] = math.sqrt(acc)
                else:
                    L[i, j] = acc / L[j, j]
            if not ok:
                break
        if not ok:
            continue
        # the target is a sample location, never one of its own neighbours: a
        # neighbour at the same place gets the full C(0) (exact interpolation)
        for i in range(n):
            ii = nbr[t, i]
            dx = X[ii, 0] - X[p, 0]
            dy = X[ii, 1] - X[p, 1]
            dz = X[ii, 2] - X[p, 2]
            if dx * dx + dy * dy + dz * dz <= zero2:
                cb[i] = c0
            else:
                acc = 0.0
                for s in range(kinds.size):
                    ex = S[s, ii, 0] - S[s, p, 0]
                    ey = S[s, ii, 1] - S[s, p, 1]
                    ez = S[s, ii, 2] - S[s, p, 2]
                    acc += sills[s] * _unit_cov(kinds[s], ex * ex + ey * ey + ez * ez)
                cb[i] = acc
        # y1 = C⁻¹ c̄ and (ordinary) y2 = C⁻¹ 1
        for i in range(n):
            a1 = cb[i]
            a2 = 1.0
            for k in range(i):
                a1 -= L[i, k] * y1[k]
                a2 -= L[i, k] * y2[k]
            y1[i] = a1 / L[i, i]
            y2[i] = a2 / L[i, i]
        for i in range(n - 1, -1, -1):
            a1 = y1[i]
            a2 = y2[i]
            for k in range(i + 1, n):
                a1 -= L[k, i] * y1[k]
                a2 -= L[k, i] * y2[k]
            y1[i] = a1 / L[i, i]
            y2[i] = a2 / L[i, i]
        mu = 0.0
        if not simple:
            s1 = 0.0
            s2 = 0.0
            for i in range(n):
                s1 += y1[i]
                s2 += y2[i]
            if not (s2 > 0.0):
                continue
            mu = (s1 - 1.0) / s2  # λ = y1 − μ y2 with Σλ = 1
        lc = 0.0
        for i in range(n):
            lam = y1[i] - mu * y2[i]
            y1[i] = lam
            lc += lam * cb[i]
        for v in range(nv):
            acc = 0.0
            for i in range(n):
                acc += y1[i] * (Z[nbr[t, i], v] - (mean[v] if simple else 0.0))
            est[t, v] = acc + (mean[v] if simple else 0.0)
        var[t] = c0 - lc - (0.0 if simple else mu)
        good[t] = True


def _solve(
    X: NDArray[np.float64],
    S: NDArray[np.float64],
    Z: NDArray[np.float64],
    tgt: NDArray[np.int64],
    nbr: NDArray[np.int64],
    cnt: NDArray[np.int64],
    model: VariogramModel,
    simple: bool,
    mean: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Point-kriging solves of a chunk; NaN where the system is singular."""
    m = tgt.size
    est = np.full((m, Z.shape[1]), np.nan)
    var = np.full(m, np.nan)
    good = np.zeros(m, dtype=np.bool_)
    if m:
        kinds = np.array([st.code for st in model.structures], dtype=np.int64)
        sills = np.array([st.sill for st in model.structures], dtype=float)
        _solve_kernel(
            S, kinds, sills, float(model.nugget), X, Z, tgt, np.ascontiguousarray(nbr),
            cnt, simple, mean, est, var, good,
        )  # fmt: skip
    return est, var, good


def _chunk(
    tgt: NDArray[np.int64],
    X: NDArray[np.float64],
    S: NDArray[np.float64],
    Z: NDArray[np.float64],
    holes: NDArray[np.int64],
    exclude_hole: bool,
    passes: tuple[tuple[SearchParameters, NDArray[np.float64], cKDTree], ...],
    model: VariogramModel,
    simple: bool,
    mean: NDArray[np.float64],
) -> dict[str, NDArray[Any]]:
    m = tgt.size
    out = {
        "estimate": np.full((m, Z.shape[1]), np.nan),
        "kv": np.full(m, np.nan),
        "n_samples": np.zeros(m, dtype=np.int64),
        "pass": np.zeros(m, dtype=np.int8),
    }
    todo = np.arange(m)
    for k, (p, U, tree) in enumerate(passes, start=1):
        if todo.size == 0:
            break
        nbr, cnt = _neighbours(tree, U, X, tgt[todo], holes, exclude_hole, p)
        out["n_samples"][todo] = cnt
        enough = cnt >= p.min_samples
        rows = todo[enough]
        est, var, good = _solve(X, S, Z, tgt[rows], nbr[enough], cnt[enough], model, simple, mean)
        out["estimate"][rows] = est
        out["kv"][rows] = var
        out["pass"][rows] = np.where(good, k, 0)
        todo = todo[~enough]
    return out


def cross_validate(
    samples: ArrayLike,
    values: ArrayLike,
    model: VariogramModel,
    search: SearchParameters | Sequence[SearchParameters],
    *,
    kind: Kind = "leave_one_out",
    hole_id: ArrayLike | None = None,
    method: Literal["ordinary", "simple"] = "ordinary",
    mean: float | ArrayLike | None = None,
    targets: ArrayLike | None = None,
    names: Sequence[str] | None = None,
    chunk_size: int = 2_000,
    executor: Any = "serial",
) -> CrossValidation:
    """Leave-one-out or leave-hole-out cross-validation (point kriging).

    Parameters
    ----------
    samples : array_like
        Sample coordinates ``(n, 3)`` [m].
    values : array_like
        ``(n,)`` or ``(n, k)`` values; rows with any NaN are neither used nor
        estimated [grade].
    model : VariogramModel
        Variogram model.
    search : SearchParameters or sequence of them
        One to three passes, as for the block estimate.
    kind : str
        ``"leave_one_out"`` or ``"leave_hole_out"``.
    hole_id : array_like, optional
        Drillhole per sample; required for leave-hole-out and ``max_per_hole``.
    method : str
        ``"ordinary"`` or ``"simple"``.
    mean : float or array_like, optional
        Simple-kriging mean per column [grade].
    targets : array_like of int, optional
        Indices (into ``samples``) of the samples to leave out; default all.
    names : sequence of str, optional
        Column names; default ``value`` or ``value_0 …``.
    chunk_size : int
        Targets per chunk [-].
    executor : str or dask.distributed.Client
        See :func:`~mine2magnet.parallel.map_chunks`.

    Returns
    -------
    CrossValidation

    Examples
    --------
    >>> import numpy as np
    >>> from mine2magnet.geostats import Structure, VariogramModel, SearchParameters
    >>> x = np.c_[np.arange(6.0) * 10, np.zeros(6), np.zeros(6)]
    >>> m = VariogramModel(0.0, (Structure("spherical", 1.0, 100.0),))
    >>> cv = cross_validate(x, [1.0, 2, 3, 4, 5, 6], m, SearchParameters(100.0, max_samples=2))
    >>> cv.samples["value_estimate"].round(6).tolist()[1:5]
    [2.0, 3.0, 4.0, 5.0]
    """
    X = np.ascontiguousarray(np.asarray(samples, dtype=float))
    if X.ndim != 2 or X.shape[1] != 3 or not np.all(np.isfinite(X)):
        raise DataError(f"sample coordinates must be a finite (n, 3) array, got {X.shape}")
    Zin = np.asarray(values, dtype=float)
    Z = Zin[:, None] if Zin.ndim == 1 else Zin
    if Z.ndim != 2 or Z.shape[0] != X.shape[0]:
        raise DataError(f"values shape {Zin.shape} does not match {X.shape[0]} samples")
    if kind not in ("leave_one_out", "leave_hole_out"):
        raise ConfigError(f"cross-validation kind {kind!r} is not leave_one_out/leave_hole_out")
    if method not in ("ordinary", "simple"):
        raise ConfigError(f"kriging method {method!r} is not 'ordinary' or 'simple'")
    plist = [search] if isinstance(search, SearchParameters) else list(search)
    if not 1 <= len(plist) <= 3:
        raise ConfigError("give one to three SearchParameters passes")
    need_holes = kind == "leave_hole_out" or any(p.max_per_hole for p in plist)
    if need_holes and hole_id is None:
        raise ConfigError(f"{kind} with these search passes needs hole_id for every sample")
    if names is None:
        names = ["value"] if Zin.ndim == 1 else [f"value_{i}" for i in range(Z.shape[1])]
    if len(names) != Z.shape[1]:
        raise DataError(f"{len(names)} names for {Z.shape[1]} columns")
    simple = method == "simple"
    if simple and mean is None:
        raise ConfigError("simple kriging needs the mean (mean=...)")
    mvec = (
        np.broadcast_to(np.asarray(mean, dtype=float).reshape(-1), (Z.shape[1],)).copy()
        if simple
        else np.zeros(Z.shape[1])
    )
    use = np.all(np.isfinite(Z), axis=1)
    orig = np.flatnonzero(use)
    Xu, Zu = np.ascontiguousarray(X[use]), np.ascontiguousarray(Z[use])
    if hole_id is not None:
        hid = np.asarray(hole_id)
        if hid.shape[0] != X.shape[0]:
            raise DataError(f"hole_id has {hid.shape[0]} entries for {X.shape[0]} samples")
        holes = pd.factorize(pd.Series(hid[use]), sort=True)[0].astype(np.int64)
    else:
        holes = np.zeros(Xu.shape[0], dtype=np.int64)
    if targets is None:
        tsel = np.arange(Xu.shape[0])
    else:
        pos = np.full(X.shape[0], -1, dtype=np.int64)
        pos[orig] = np.arange(orig.size)
        t = np.asarray(targets, dtype=np.int64).ravel()
        tsel = pos[t]
        tsel = tsel[tsel >= 0]
    passes = []
    for p in plist:
        U = np.ascontiguousarray(Xu @ p.matrix().T)
        passes.append((p, U, cKDTree(U) if U.shape[0] else None))
    # sample coordinates in the range-normalised space of each structure
    nst = len(model.structures)
    S = np.ascontiguousarray(
        np.array([Xu @ st.matrix().T for st in model.structures]).reshape(nst, Xu.shape[0], 3)
    )
    chunks = [tsel[i : i + chunk_size] for i in range(0, tsel.size, chunk_size)]
    if Xu.shape[0] == 0 or not chunks:
        parts: list[dict[str, NDArray[Any]]] = []
    else:
        parts = map_chunks(
            _chunk,
            chunks,
            executor=executor,
            args=(Xu, S, Zu, holes, kind == "leave_hole_out", tuple(passes), model, simple, mvec),
        )
    if parts:
        cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    else:
        cat = {
            "estimate": np.zeros((0, Z.shape[1])),
            "kv": np.zeros(0),
            "n_samples": np.zeros(0, dtype=np.int64),
            "pass": np.zeros(0, dtype=np.int8),
        }
    frame: dict[str, Any] = {"sample": orig[tsel]}
    stats = []
    for i, name in enumerate(names):
        tv = Zu[tsel, i]
        ev = cat["estimate"][:, i]
        frame[name] = tv
        frame[f"{name}_estimate"] = ev
        frame[f"{name}_error"] = ev - tv
        s = crossval_statistics(tv, ev, cat["kv"] if i == 0 else None)
        stats.append({"column": name, "kind": kind, **s})
    frame.update(kv=cat["kv"], n_samples=cat["n_samples"], **{"pass": cat["pass"]})
    return CrossValidation(kind, pd.DataFrame(frame), pd.DataFrame(stats))
