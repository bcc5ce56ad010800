"""Fitted normal-score variogram of a domain for sequential Gaussian simulation.

SGS needs the variogram of the *normal scores* with a unit sill. Rescaling the grade
variogram to sill 1 is a first approximation only: the normal-score variogram of a skewed
grade has a different shape (the transform damps the few large values that dominate the
grade variogram). :func:`fit_ns_variogram` fits it:

1. the domain's composites with a finite grade are normal-score transformed
   (:class:`~mine2magnet.geostats.normal_score.NormalScoreTransform`) with declustering
   weights (:func:`~mine2magnet.geostats.declustering.cell_weights`, as
   :func:`~mine2magnet.geostats.simulation.simulate_blocks` fits its transform);
2. experimental variograms of the scores are computed along the major, semi-major and
   minor axes of the grade model's first structure (GSLIB ``gamv`` rules through
   :func:`~mine2magnet.geostats.variogram.experimental_variogram`; GSLIB angles azimuth,
   dip, rake) and **standardised** by the (unweighted) variance of the paired scores:
   with declustering weights the clustered data's scores do not have variance 1 (demo
   HG: 1.15), while the sill the SGS needs is the variance of the declustered scores, 1;
3. a model with the grade model's structure kinds and orientation (held) is fitted by
   weighted least squares (weights ``N/h²``; lag classes with at least ``min_pairs``
   pairs and lag ≤ ``max_lag_fraction`` × the grade model's range along the axis): free
   are the nugget (≥ 0), the sill shares of the structures and their three ranges; the
   total sill is exactly 1 (nugget and structures share 1 by stick-breaking fractions,
   so the constraint holds at every iterate).

**Pair-averaged model.** A lag class of a directional variogram holds pairs up to the
angle tolerance and bandwidths away from the nominal axis; with strong anisotropy (demo:
minor ranges 25–36 m against major 105–176 m) the off-axis pairs of the major direction
reach across the short minor range, so the experimental variogram rises faster than the
model *on the axis* and a fit on the nominal axis underestimates the long ranges (a
synthetic field with ranges 90/50/15 m and the default tolerances gave 65 m along the
major axis). Each class is therefore compared with the model averaged over the class's
pairs: the second-moment tensor ``M = E[h hᵀ]`` of its pair vectors comes from the same
``gamv`` pairing (the experimental variogram of a coordinate projection ``x·p`` is
``E[(h·p)²]/2``; six projections give ``M``, from a seeded subsample of at most 2,500
points), and five unscented points stand for the pairs — the root-mean-square lag along
the axis, and ``±√3 σ`` across it along the two principal directions of the lateral
spread (weights 1/3 and 1/6 each). The same synthetic field then gives 78–80 m.
:func:`ns_variogram_reproduction` uses the same correction to compare simulated
variograms with a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from mine2magnet.errors import DataError
from mine2magnet.geostats.declustering import cell_weights
from mine2magnet.geostats.normal_score import NormalScoreTransform
from mine2magnet.geostats.rotation import axis_vectors, rotation_matrix
from mine2magnet.geostats.variogram import (
    Structure,
    VariogramModel,
    experimental_variogram,
    unit_variogram,
)
from mine2magnet.geostats.variography import AXES, axis_direction

__all__ = [
    "NsVariogramError",
    "NsVariogramFit",
    "fit_ns_variogram",
    "ns_variogram_reproduction",
]

_MIN_DATA = 10
_S2 = 1.0 / math.sqrt(2.0)
_MOMENT_POINTS = 2500  # pair geometry (moment tensors) from a seeded subsample this large


class NsVariogramError(DataError):
    """Too few data or pairs to fit a normal-score variogram; names domain and column."""


@dataclass(frozen=True)
class NsVariogramFit:
    """A fitted normal-score variogram and what it was fitted to.

    Attributes
    ----------
    model : VariogramModel
        Nugget + the grade model's structures (kinds and angles held), total sill 1 [-].
    experimental : pandas.DataFrame
        One row per non-empty lag class: ``direction`` (``major``, ``semi_major``,
        ``minor``), ``lag_m`` (mean pair distance) [m], ``gamma`` (standardised) [-],
        ``pairs`` [-], ``used`` (in the fit), ``gamma_model`` (the model averaged over
        the class's pairs) [-] and ``gamma_model_axis`` (the model on the nominal
        axis) [-].
    initial : VariogramModel
        The grade model rescaled to sill 1 (starting point; the old approximation) [-].
    domain, column : str
        What was fitted.
    n_data : int
        Composites used [-].
    score_variance : float
        Unweighted variance of the declustered scores, the standardisation divisor [-].
    rmse : float
        Pair-weighted root-mean-square misfit over the used lag classes (sill units) [-].
    rmse_initial : float
        The same for :attr:`initial` [-].
    n_classes : int
        Lag classes used in the fit [-].
    success : bool
        Whether the optimiser converged.
    """

    model: VariogramModel
    experimental: pd.DataFrame
    initial: VariogramModel
    domain: str
    column: str
    n_data: int
    score_variance: float
    rmse: float
    rmse_initial: float
    n_classes: int
    success: bool


# ----------------------------------------------------------------- helpers


def _unit_sill(model: VariogramModel) -> VariogramModel:
    total = model.sill
    return VariogramModel(
        model.nugget / total,
        tuple(Structure(s.kind, s.sill / total, s.ranges, s.angles) for s in model.structures),
    )


def _shares(fr: NDArray[np.float64], n_struct: int) -> tuple[float, list[float]]:
    """Nugget and structure sills from stick-breaking fractions; they sum to 1."""
    nugget = float(fr[0])
    rest = 1.0 - nugget
    sills = []
    for k in range(n_struct):
        f = float(fr[1 + k]) if k < n_struct - 1 else 1.0
        sills.append(rest * f)
        rest -= rest * f
    return nugget, sills


def _to_fractions(model: VariogramModel) -> list[float]:
    out = [min(max(model.nugget, 0.0), 0.95)]
    rest = 1.0 - out[0]
    for s in model.structures[:-1]:
        f = min(max(s.sill / rest if rest > 0 else 0.5, 0.01), 0.99)
        out.append(f)
        rest -= rest * f
    return out


def _axis_classes(
    X: NDArray[np.float64],
    values: NDArray[np.float64] | None,
    vec: NDArray[np.float64],
    *,
    lag: float,
    n_lags: int,
    angle_tol_deg: float,
    bandwidth_m: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Lag classes 1…n_lags of one axis: mean lag, γ, pairs and the pair moment tensors.

    Returns ``(lag_m, gamma, n_pairs, M)`` with ``M`` of shape ``(n_lags, 3, 3)`` the mean
    of ``h hᵀ`` over the class's pairs [m²], from a seeded subsample of at most
    ``_MOMENT_POINTS`` points (a class without pairs there is put on the axis);
    ``gamma`` is NaN when ``values`` is None.
    """
    az, dip = axis_direction(vec)
    kw = dict(
        lag=float(lag), n_lags=int(n_lags), azimuth=az, dip=dip, azimuth_tol=angle_tol_deg,
        dip_tol=angle_tol_deg, bandwidth_h=bandwidth_m, bandwidth_v=bandwidth_m,
    )  # fmt: skip
    e = np.eye(3)
    projections = [e[0], e[1], e[2], (e[0] + e[1]) * _S2, (e[0] + e[2]) * _S2,
                   (e[1] + e[2]) * _S2]  # fmt: skip
    Xm = X
    if X.shape[0] > _MOMENT_POINTS:  # the pair geometry is a sample average: subsample
        rng = np.random.default_rng(0)
        Xm = np.ascontiguousarray(X[np.sort(rng.choice(X.shape[0], _MOMENT_POINTS, replace=False))])
    q = [2.0 * experimental_variogram(Xm, Xm @ p, **kw).gamma[1:] for p in projections]
    ev = experimental_variogram(X, X[:, 0] if values is None else values, **kw)
    M = np.empty((n_lags, 3, 3))
    for i in range(3):
        M[:, i, i] = q[i]
    for k, (i, j) in enumerate(((0, 1), (0, 2), (1, 2))):
        M[:, i, j] = M[:, j, i] = q[3 + k] - 0.5 * (q[i] + q[j])
    h = ev.lag_m[1:]
    empty = ~np.all(np.isfinite(M), axis=(1, 2))  # no pair in the subsample: on the axis
    M[empty] = (np.nan_to_num(h[empty]) ** 2)[:, None, None] * np.outer(vec, vec)[None]
    gamma = np.full(n_lags, np.nan) if values is None else ev.gamma[1:]
    return h, gamma, ev.n_pairs[1:], M


def _sigma_points(M: NDArray[np.float64], vec: NDArray[np.float64]) -> NDArray[np.float64]:
    """Five lag vectors per class standing for its pairs ``(n, 5, 3)`` [m].

    The along-axis part is the root-mean-square projection ``sqrt(uᵀMu)``; the lateral
    spread ``P M P`` (``P = I − uuᵀ``) is represented by the unscented points
    ``±√3 σ`` along its two principal directions (weights 1/6 each, the centre 1/3),
    exact for polynomials of degree 3 of a Gaussian spread and at the edges of a uniform
    one.
    """
    u = np.asarray(vec, dtype=float)
    P = np.eye(3) - np.outer(u, u)
    along = np.sqrt(np.maximum(np.einsum("i,nij,j->n", u, M, u), 0.0))
    L = np.einsum("ij,njk,kl->nil", P, M, P)
    lam, V = np.linalg.eigh(L)
    H = np.repeat((along[:, None] * u[None, :])[:, None, :], 5, axis=1)
    for k, col in enumerate((1, 2)):  # the two largest eigenvalues (the third is ~0)
        off = np.sqrt(3.0 * np.maximum(lam[:, col], 0.0))[:, None] * V[:, :, col]
        H[:, 1 + 2 * k] += off
        H[:, 2 + 2 * k] -= off
    return H


_SIGMA_W = np.array([1.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0])


def _rotated(model: VariogramModel, H: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Per structure, the sigma-point lags in its axes ``(n, 5, 3)`` [m]."""
    return [np.einsum("ai,npi->npa", rotation_matrix(*s.angles), H) for s in model.structures]


def _gamma_on_pairs(
    nugget: float,
    structs: Sequence[tuple[str, float, Sequence[float]]],
    rot: Sequence[NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Model γ averaged over the sigma points of each class [-]."""
    g = np.full(rot[0].shape[0], float(nugget))
    for (kind, sill, ranges), RH in zip(structs, rot, strict=True):
        r = np.sqrt(np.sum((RH / np.asarray(ranges, dtype=float)) ** 2, axis=-1))
        g = g + sill * (unit_variogram(kind, r) @ _SIGMA_W)
    return g


def _model_on_pairs(model: VariogramModel, H: NDArray[np.float64]) -> NDArray[np.float64]:
    structs = [(s.kind, s.sill, s.ranges) for s in model.structures]
    return _gamma_on_pairs(model.nugget, structs, _rotated(model, H))


# ----------------------------------------------------------------- fitting


def fit_ns_variogram(
    composites: pd.DataFrame,
    domain: str,
    column: str,
    grade_model: VariogramModel,
    *,
    weights: ArrayLike | None = None,
    declustering_cell_m: float = 50.0,
    lags_m: Sequence[float] | None = None,
    n_lags: int = 12,
    angle_tol_deg: float = 22.5,
    bandwidth_m: float = 30.0,
    min_pairs: int = 30,
    max_lag_fraction: float = 1.25,
) -> NsVariogramFit:
    """Fit the normal-score variogram of a domain (total sill 1) for SGS.

    See the module docstring for the method. The grade model gives the structure kinds,
    the orientation (held) and the starting ranges; its sill scale does not matter.

    Parameters
    ----------
    composites : pandas.DataFrame
        ``easting``, ``northing``, ``elevation`` [m], ``domain`` and ``column`` [grade].
    domain : str
        Domain code (compared as text) [-].
    column : str
        Grade column, e.g. ``"TREO_pct"`` [-].
    grade_model : VariogramModel
        The domain's grade variogram (any sill) with at least one structure [grade²].
    weights : array_like, optional
        Declustering weights, one per row of ``composites`` (by position) [-]; default
        ``cell_weights`` of the domain's composites with ``declustering_cell_m``.
    declustering_cell_m : float
        Cell size of the default declustering weights; 0 = equal weights [m].
    lags_m : sequence of float, optional
        Lag spacing along the major, semi-major and minor axes; default 1.5 × the grade
        model's longest range per axis / ``n_lags`` (as the estimation stage) [m].
    n_lags : int
        Lag classes per axis [-].
    angle_tol_deg : float
        Azimuth and dip half-angle tolerance [deg].
    bandwidth_m : float
        Horizontal and vertical bandwidth [m].
    min_pairs : int
        Lag classes with fewer pairs are not fitted [-].
    max_lag_fraction : float
        Lag classes beyond this fraction of the grade model's range along the axis are
        not fitted (they carry trends, not the structure the SGS needs) [-].

    Returns
    -------
    NsVariogramFit

    Raises
    ------
    NsVariogramError
        Fewer than 10 composites in the domain, missing columns, or an axis without a
        usable lag class; the message names the domain and column.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> e, n, d = np.meshgrid(np.arange(6) * 20.0, np.arange(6) * 20.0, np.arange(20) * 2.0)
    >>> comp = pd.DataFrame({"easting": e.ravel(), "northing": n.ravel(),
    ...                      "elevation": -d.ravel(), "domain": "A",
    ...                      "g": rng.lognormal(0.0, 0.5, e.size)})
    >>> vm = VariogramModel(0.1, (Structure("spherical", 0.9, (100.0, 100.0, 30.0)),))
    >>> fit = fit_ns_variogram(comp, "A", "g", vm, declustering_cell_m=0.0)
    >>> round(fit.model.sill, 12)
    1.0
    """
    where = f"domain {domain!r}, column {column!r}"
    if not grade_model.structures:
        raise NsVariogramError(
            f"{where}: the grade model has no structure to take kinds and orientation "
            "from; give it one"
        )
    missing = [c for c in ("easting", "northing", "elevation", "domain", column)
               if c not in composites.columns]  # fmt: skip
    if missing:
        raise NsVariogramError(f"{where}: the composites lack column(s) {missing}")
    z_all = composites[column].to_numpy(dtype=float)
    sel = (composites["domain"].astype(str).to_numpy() == str(domain)) & np.isfinite(z_all)
    X = composites.loc[sel, ["easting", "northing", "elevation"]].to_numpy(dtype=float)
    z = z_all[sel]
    if z.size < _MIN_DATA:
        raise NsVariogramError(
            f"{where}: {z.size} composites with a value; a normal-score variogram needs at "
            f"least {_MIN_DATA} — merge the domain or give the simulation a model"
        )
    if weights is None:
        w = cell_weights(X, float(declustering_cell_m))
    else:
        wa = np.asarray(weights, dtype=float).reshape(-1)
        if wa.size != len(composites):
            raise NsVariogramError(
                f"{where}: {wa.size} weights for {len(composites)} composite rows; give "
                "one weight per row"
            )
        w = wa[sel]
    y = NormalScoreTransform().fit(z, w).transform(z)
    var = float(np.var(y))
    if not var > 0:
        raise NsVariogramError(f"{where}: all composites have the same value")

    initial = _unit_sill(grade_model)
    rmax = [max(s.ranges[a] for s in initial.structures) for a in range(3)]
    lags = [r * 1.5 / n_lags for r in rmax] if lags_m is None else [float(v) for v in lags_m]
    parts, moments = [], []
    tol = {"n_lags": n_lags, "angle_tol_deg": angle_tol_deg, "bandwidth_m": bandwidth_m}
    for a, (name, vec) in enumerate(zip(AXES, axis_vectors(*initial.structures[0].angles),
                                        strict=True)):  # fmt: skip
        h, g, n, M = _axis_classes(X, y, vec, lag=lags[a], **tol)
        ok = (n > 0) & np.isfinite(g) & np.isfinite(h) & (np.nan_to_num(h) > 0)
        used = ok & (n >= min_pairs) & (np.nan_to_num(h) <= max_lag_fraction * rmax[a])
        if not used.any():
            raise NsVariogramError(
                f"{where}: no lag class along the {name} axis has {min_pairs} pairs within "
                f"{max_lag_fraction:g} × its range ({rmax[a]:g} m); widen the angle "
                "tolerance, bandwidth or lags, or lower min_pairs"
            )
        axis_lag = h[ok][:, None] * vec[None, :]
        parts.append(
            pd.DataFrame(
                {"direction": name, "lag_m": h[ok], "gamma": g[ok] / var,
                 "pairs": n[ok].astype(np.int64), "used": used[ok],
                 "_axis": list(axis_lag)}
            )
        )  # fmt: skip
        moments.append(_sigma_points(M[ok], vec))
    exp = pd.concat(parts, ignore_index=True)
    M_all = np.concatenate(moments)
    use = exp["used"].to_numpy()
    gam = exp["gamma"].to_numpy()[use]
    npair = exp["pairs"].to_numpy(dtype=float)[use]
    hl = exp["lag_m"].to_numpy()[use]
    sw = np.sqrt((npair / hl**2) / np.max(npair / hl**2))

    structs = initial.structures
    ns = len(structs)
    rot_used = [d[use] for d in _rotated(initial, M_all)]  # angles held: fixed

    def unpack(x: NDArray[np.float64]) -> tuple[float, list[tuple[str, float, NDArray]]]:
        nug, sills = _shares(x, ns)
        return nug, [(s.kind, sills[k], np.exp(x[ns + 3 * k : ns + 3 * k + 3]))
                     for k, s in enumerate(structs)]  # fmt: skip

    def resid(x: NDArray[np.float64]) -> NDArray[np.float64]:
        nug, st = unpack(x)
        return sw * (_gamma_on_pairs(nug, st, rot_used) - gam)

    x0 = np.array(_to_fractions(initial) + [math.log(r) for s in structs for r in s.ranges])
    lo = np.r_[np.zeros(ns), np.full(3 * ns, math.log(0.25 * float(hl.min())))]
    hi = np.r_[np.full(ns, 0.999), np.full(3 * ns, math.log(4.0 * max(rmax)))]
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    sol = optimize.least_squares(resid, x0, bounds=(lo, hi), method="trf",
                                 max_nfev=100 * x0.size)  # fmt: skip
    nug, st = unpack(sol.x)
    model = VariogramModel(
        nug,
        tuple(Structure(k, sill, tuple(float(r) for r in rg), s.angles)
              for (k, sill, rg), s in zip(st, structs, strict=True)),
    )  # fmt: skip

    def rmse(m: VariogramModel) -> float:
        d = _model_on_pairs(m, M_all)[use] - gam
        return float(np.sqrt(np.sum(npair * d**2) / npair.sum()))

    axis_lags = np.stack(exp.pop("_axis").to_numpy())
    exp["gamma_model"] = _model_on_pairs(model, M_all)
    exp["gamma_model_axis"] = model.gamma(axis_lags)
    return NsVariogramFit(
        model=model,
        experimental=exp,
        initial=initial,
        domain=str(domain),
        column=str(column),
        n_data=int(z.size),
        score_variance=var,
        rmse=rmse(model),
        rmse_initial=rmse(initial),
        n_classes=int(use.sum()),
        success=bool(sol.success),
    )


# ------------------------------------------------------------ reproduction


def ns_variogram_reproduction(
    coords: ArrayLike,
    realisations: ArrayLike,
    model: VariogramModel,
    *,
    lags_m: Sequence[float],
    n_lags: int = 10,
    angle_tol_deg: float = 22.5,
    bandwidth_m: float = 30.0,
    max_points: int = 6000,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulated normal-score variograms along the model's axes against the model.

    The directions are the axes of the model's first structure (GSLIB angles); each lag
    class is compared with the model averaged over the class's own pairs (module
    docstring), so the angle tolerance and bandwidth do not count as misfit. The nodes
    are subsampled once (seeded) to ``max_points``; γ is pooled over realisations.

    Parameters
    ----------
    coords : array_like
        Node coordinates ``(m, 3)`` [m].
    realisations : array_like
        ``(n_realisations, m)`` or ``(m,)`` simulated normal scores [-].
    model : VariogramModel
        The normal-score model given to the simulation (sill 1) [-].
    lags_m : sequence of float
        Lag spacing along the major, semi-major and minor axes [m].
    n_lags : int
        Lag classes per axis [-].
    angle_tol_deg, bandwidth_m : float
        Direction tolerances [deg], [m].
    max_points : int
        Nodes used [-].
    seed : int
        Seed of the subsample.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty class: ``direction``, ``lag_m`` [m], ``pairs`` (per
        realisation) [-], ``gamma_simulated`` (mean over realisations) [-],
        ``gamma_model`` (on the pairs) [-], ``gamma_model_axis`` [-] and ``difference``
        (simulated − model on the pairs, in sill units) [-].
    """
    X = np.asarray(coords, dtype=float).reshape(-1, 3)
    R = np.atleast_2d(np.asarray(realisations, dtype=float))
    if R.shape[1] != X.shape[0]:
        raise DataError(f"realisations have {R.shape[1]} nodes for {X.shape[0]} coordinates")
    if not model.structures:
        raise DataError("the model has no structure to take the axes from")
    rng = np.random.default_rng(seed)
    pick = (np.sort(rng.choice(X.shape[0], max_points, replace=False))
            if X.shape[0] > max_points else np.arange(X.shape[0]))  # fmt: skip
    Xs = np.ascontiguousarray(X[pick])
    tol = {"n_lags": n_lags, "angle_tol_deg": angle_tol_deg, "bandwidth_m": bandwidth_m}
    rows = []
    for name, vec, lag in zip(AXES, axis_vectors(*model.structures[0].angles), lags_m,
                              strict=True):  # fmt: skip
        h, _, n, M = _axis_classes(Xs, None, vec, lag=float(lag), **tol)
        az, dip = axis_direction(vec)
        gs = np.array([
            experimental_variogram(Xs, R[r, pick], lag=float(lag), n_lags=n_lags, azimuth=az,
                                   dip=dip, azimuth_tol=angle_tol_deg, dip_tol=angle_tol_deg,
                                   bandwidth_h=bandwidth_m, bandwidth_v=bandwidth_m).gamma[1:]
            for r in range(R.shape[0])
        ])  # fmt: skip
        ok = n > 0
        gm = _model_on_pairs(model, _sigma_points(M[ok], vec))
        ga = model.gamma(h[ok][:, None] * vec[None, :])
        rows.append(
            pd.DataFrame(
                {"direction": name, "lag_m": h[ok], "pairs": n[ok].astype(np.int64),
                 "gamma_simulated": np.nanmean(gs[:, ok], axis=0), "gamma_model": gm,
                 "gamma_model_axis": ga}
            )
        )  # fmt: skip
    out = pd.concat(rows, ignore_index=True)
    out["difference"] = (out["gamma_simulated"] - out["gamma_model"]) / model.sill
    return out
