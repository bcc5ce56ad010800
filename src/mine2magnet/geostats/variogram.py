"""Variogram models, experimental variograms and weighted least-squares fitting.

Models
------
A :class:`VariogramModel` is a nugget plus up to three nested :class:`Structure` s, each
with a kind, a sill contribution, three ranges (major, semi-major, minor) and three
angles (azimuth, dip, rake) in the GSLIB convention of :mod:`.rotation`. With
``r = |A h|`` the range-normalised anisotropic lag (``r = 1`` at the range), the unit
variograms are those of GSLIB (Deutsch & Journel, 1998, §II.4):

* ``spherical``   ``g(r) = 1.5 r - 0.5 r³`` for ``r < 1``, else 1 (range = where it
  reaches the sill),
* ``exponential`` ``g(r) = 1 - exp(-3 r)`` (the range is the *practical* range where
  95 % of the sill is reached; GSLIB writes ``1 - exp(-3h/a)``),
* ``gaussian``    ``g(r) = 1 - exp(-3 r²)`` (practical range, GSLIB ``1 - exp(-3h²/a²)``),

and ``γ(h) = nugget·[h ≠ 0] + Σ sill_k g_k(r_k)``, ``C(h) = C(0) - γ(h)`` with
``C(0) = nugget + Σ sill_k``. Lags shorter than :data:`ZERO_LAG_M` count as zero.

Peers parameterise the same shapes differently: PyKrige's ``range`` is our range for
the spherical and exponential models but ``7/(4√3)`` times our range for the Gaussian
(PyKrige uses ``exp(-h²/(4r/7)²)``); gstools' ``len_scale`` is our range (spherical),
range/3 (exponential) and range·√(π/12) (Gaussian, ``exp(-π/4 · h²/ℓ²)``). The oracle
tests pin these mappings.

Experimental variograms
-----------------------
:func:`experimental_variogram` follows GSLIB ``gamv``: a pair ``(i, j)`` with lag
``h = x_j - x_i`` belongs to a direction (azimuth ``a``, dip ``d``, negative down,
unit vector ``u``) when

1. the horizontal projection of ``h`` makes an angle of at most ``azimuth_tol`` with
   the line of azimuth ``a`` (pairs with no horizontal component pass),
2. its perpendicular horizontal distance from that line is at most ``bandwidth_h``,
3. ``|h·u| ≥ |h| cos(dip_tol)`` (the angle between ``h`` and the line of ``u``), and
4. its distance from ``u`` within the vertical plane of ``u`` is at most
   ``bandwidth_v``.

Lag class ``k = 0 … n_lags`` is centred at ``k·lag`` and holds the pairs with
``| |h| - k·lag | ≤ lag_tol`` (default ``lag/2``; a larger tolerance lets a pair count in
two classes, as in gamv). Self pairs are excluded; ``γ = Σ (z_i - z_j)² / (2 N)``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from mine2magnet.errors import ConfigError, DataError
from mine2magnet.geostats.rotation import anisotropy_matrix, rotation_matrix

__all__ = [
    "KINDS",
    "MAX_STRUCTURES",
    "ZERO_LAG_M",
    "ExperimentalVariogram",
    "Structure",
    "VariogramFitter",
    "VariogramMap",
    "VariogramModel",
    "covariance",
    "downhole_variogram",
    "experimental_variogram",
    "normal_scores",
    "transform_values",
    "unit_variogram",
    "variogram",
    "variogram_map",
]

KINDS: tuple[str, ...] = ("spherical", "exponential", "gaussian")
"""Supported structure kinds; the position is the integer code used by the kernels."""

MAX_STRUCTURES = 3
"""At most this many nested structures per model."""

ZERO_LAG_M = 1e-9
"""Lags shorter than this count as zero (nugget applies only at zero lag) [m]."""

Transform = Literal["raw", "log", "normal_score"]


# --------------------------------------------------------------------------- models


def unit_variogram(kind: str, r: ArrayLike) -> NDArray[np.float64]:
    """Unit-sill variogram of one structure kind at normalised lag ``r``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    r : array_like
        Range-normalised lag (1 = range) [-].

    Returns
    -------
    numpy.ndarray
        ``g(r)`` in [0, 1] [-].
    """
    r = np.asarray(r, dtype=float)
    if kind == "spherical":
        rc = np.minimum(r, 1.0)
        return np.where(r < 1.0, rc * (1.5 - 0.5 * rc * rc), 1.0)
    if kind == "exponential":
        return -np.expm1(-3.0 * r)
    if kind == "gaussian":
        return -np.expm1(-3.0 * r * r)
    raise ConfigError(f"variogram structure kind {kind!r} is not one of {', '.join(KINDS)}")


def _as_triple(value: Any, name: str) -> tuple[float, float, float]:
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.size == 1:
        arr = np.repeat(arr, 3)
    if arr.size != 3:
        raise ConfigError(f"{name} must have three values, got {list(arr)}")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


@dataclass(frozen=True)
class Structure:
    """One nested variogram structure.

    Parameters
    ----------
    kind : str
        ``"spherical"``, ``"exponential"`` or ``"gaussian"``.
    sill : float
        Sill contribution of this structure [grade²].
    ranges : tuple of float
        Major, semi-major and minor ranges; one number means isotropic [m].
    angles : tuple of float
        Azimuth, dip (negative down) and rake of the major axis, GSLIB
        convention (see :mod:`mine2magnet.geostats.rotation`) [deg].
    """

    kind: str
    sill: float
    ranges: tuple[float, float, float]
    angles: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(
                f"variogram structure kind {self.kind!r} is not one of {', '.join(KINDS)}"
            )
        sill = float(self.sill)
        if not math.isfinite(sill) or sill < 0.0:
            raise ConfigError(f"structure sill {self.sill!r} must be finite and ≥ 0")
        ranges = _as_triple(self.ranges, "structure ranges")
        if not all(math.isfinite(r) and r > 0.0 for r in ranges):
            raise ConfigError(f"structure ranges {ranges} must be finite and > 0 [m]")
        angles = _as_triple(self.angles, "structure angles")
        if not all(math.isfinite(a) for a in angles):
            raise ConfigError(f"structure angles {angles} must be finite [deg]")
        object.__setattr__(self, "sill", sill)
        object.__setattr__(self, "ranges", ranges)
        object.__setattr__(self, "angles", angles)

    @property
    def code(self) -> int:
        """Integer code of the kind for the compiled kernels."""
        return KINDS.index(self.kind)

    def matrix(self) -> NDArray[np.float64]:
        """Anisotropy matrix ``A`` with ``|A h| = 1`` on the range ellipsoid [1/m]."""
        return anisotropy_matrix(self.ranges, *self.angles)


@dataclass(frozen=True)
class VariogramModel:
    """Nugget plus up to three nested structures.

    Parameters
    ----------
    nugget : float
        Nugget effect [grade²].
    structures : tuple of Structure
        One to three nested structures.

    Examples
    --------
    >>> m = VariogramModel(0.1, (Structure("spherical", 0.9, (100.0, 50.0, 10.0)),))
    >>> round(float(m.gamma([[0.0, 50.0, 0.0]])[0]), 12)  # azimuth 0: major = north
    0.71875
    >>> round(float(m.gamma([[50.0, 0.0, 0.0]])[0]), 12)  # 50 m east: the semi-major range
    1.0
    """

    nugget: float
    structures: tuple[Structure, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        nugget = float(self.nugget)
        if not math.isfinite(nugget) or nugget < 0.0:
            raise ConfigError(f"variogram nugget {self.nugget!r} must be finite and ≥ 0")
        structs = tuple(self.structures)
        if len(structs) > MAX_STRUCTURES:
            raise ConfigError(
                f"variogram model has {len(structs)} structures; at most "
                f"{MAX_STRUCTURES} are supported — merge or drop one"
            )
        for s in structs:
            if not isinstance(s, Structure):
                raise ConfigError(f"variogram structures must be Structure, got {type(s)}")
        if nugget + sum(s.sill for s in structs) <= 0.0:
            raise ConfigError("variogram model has a total sill of zero; give a nugget or sill")
        object.__setattr__(self, "nugget", nugget)
        object.__setattr__(self, "structures", structs)

    @property
    def sill(self) -> float:
        """Total sill ``C(0) = nugget + Σ sills`` [grade²]."""
        return self.nugget + sum(s.sill for s in self.structures)

    def gamma(self, lags: ArrayLike) -> NDArray[np.float64]:
        """Variogram at lag vectors ``(..., 3)`` [m]; see :func:`variogram` [grade²]."""
        return variogram(self, lags)

    def covariance(self, lags: ArrayLike) -> NDArray[np.float64]:
        """Covariance at lag vectors ``(..., 3)`` [m]; see :func:`covariance` [grade²]."""
        return covariance(self, lags)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for the project file (``[geostats.variograms.<name>]``)."""
        return {
            "nugget": self.nugget,
            "structures": [
                {
                    "kind": s.kind,
                    "sill": s.sill,
                    "ranges": list(s.ranges),
                    "angles": list(s.angles),
                }
                for s in self.structures
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VariogramModel:
        """Inverse of :meth:`to_dict`; raises :class:`ConfigError` naming the bad key."""
        try:
            structs = tuple(
                Structure(
                    kind=str(s["kind"]),
                    sill=float(s["sill"]),
                    ranges=s["ranges"],
                    angles=s.get("angles", (0.0, 0.0, 0.0)),
                )
                for s in data.get("structures", ())
            )
            return cls(nugget=float(data.get("nugget", 0.0)), structures=structs)
        except KeyError as exc:
            raise ConfigError(f"variogram structure is missing key {exc.args[0]!r}") from exc


def _lags(lags: ArrayLike) -> NDArray[np.float64]:
    h = np.asarray(lags, dtype=float)
    if h.ndim == 0 or h.shape[-1] != 3:
        raise ValueError(f"lag vectors need a last axis of length 3, got shape {h.shape}")
    return h


def variogram(model: VariogramModel, lags: ArrayLike) -> NDArray[np.float64]:
    """Evaluate ``γ(h)`` of a model at lag vectors.

    Parameters
    ----------
    model : VariogramModel
        The model.
    lags : array_like
        Lag vectors ``(..., 3)`` (easting, northing, elevation differences) [m].

    Returns
    -------
    numpy.ndarray
        Semivariogram values of shape ``lags.shape[:-1]`` [grade²].
    """
    h = _lags(lags)
    out = np.where(np.linalg.norm(h, axis=-1) > ZERO_LAG_M, model.nugget, 0.0)
    for s in model.structures:
        r = np.linalg.norm(h @ s.matrix().T, axis=-1)
        out = out + s.sill * unit_variogram(s.kind, r)
    return out


def covariance(model: VariogramModel, lags: ArrayLike) -> NDArray[np.float64]:
    """Evaluate ``C(h) = C(0) - γ(h)`` at lag vectors ``(..., 3)`` [m] → [grade²]."""
    return model.sill - variogram(model, lags)


# ------------------------------------------------------------------ transforms


def normal_scores(values: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    """Normal-score transform (GSLIB ``nscore`` without despiking).

    Each value maps to ``Φ⁻¹(p)`` with ``p`` the mid-point of its step of the (optionally
    declustering-weighted) cumulative distribution; tied values share one score. NaN
    stays NaN.

    Parameters
    ----------
    values : array_like
        Data values [grade].
    weights : array_like, optional
        Declustering weights (relative) [-].

    Returns
    -------
    numpy.ndarray
        Standard-normal scores [-].
    """
    z = np.asarray(values, dtype=float)
    out = np.full(z.shape, np.nan)
    ok = np.isfinite(z)
    if not ok.any():
        return out
    w = np.ones(z.shape) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != z.shape or np.any(w[ok] < 0) or not np.all(np.isfinite(w[ok])):
        raise DataError("normal-score weights must be finite, ≥ 0 and match the values")
    zo, wo = z[ok], w[ok]
    uniq, inv = np.unique(zo, return_inverse=True)
    wsum = np.bincount(inv, weights=wo, minlength=uniq.size)
    total = wsum.sum()
    if total <= 0:
        raise DataError("normal-score weights sum to zero")
    cum = np.cumsum(wsum) / total
    p = cum - 0.5 * wsum / total
    out[ok] = special.ndtri(np.clip(p, 1e-12, 1 - 1e-12))[inv]
    return out


def transform_values(values: ArrayLike, transform: Transform = "raw") -> NDArray[np.float64]:
    """Apply ``"raw"``, ``"log"`` (natural log; values must be > 0) or ``"normal_score"``.

    Parameters
    ----------
    values : array_like
        Data values [grade].
    transform : str
        The transform name.

    Returns
    -------
    numpy.ndarray
        Transformed values (NaN stays NaN) [grade, ln grade or -].
    """
    z = np.asarray(values, dtype=float)
    if transform == "raw":
        return z.copy()
    if transform == "log":
        ok = np.isfinite(z)
        if np.any(z[ok] <= 0.0):
            n_bad = int(np.sum(z[ok] <= 0.0))
            raise DataError(
                f"log transform needs positive values; {n_bad} value(s) are ≤ 0 — "
                "replace below-detection values first or use transform='normal_score'"
            )
        return np.log(z)
    if transform == "normal_score":
        return normal_scores(z)
    raise ConfigError(f"transform {transform!r} is not one of 'raw', 'log', 'normal_score'")


# ----------------------------------------------------------- experimental variograms


@dataclass(frozen=True)
class ExperimentalVariogram:
    """An experimental semivariogram (one direction, downhole or omnidirectional).

    Attributes
    ----------
    lag_centre_m : numpy.ndarray
        Nominal centre of each lag class [m].
    lag_m : numpy.ndarray
        Mean separation of the pairs in each class (NaN when empty) [m].
    gamma : numpy.ndarray
        Semivariogram (NaN when empty) [grade²].
    n_pairs : numpy.ndarray
        Number of pairs per class [-].
    head_mean, tail_mean : numpy.ndarray
        Mean of the head and tail values per class [grade].
    kind : str
        ``"omnidirectional"``, ``"directional"`` or ``"downhole"``.
    azimuth, dip : float
        Direction of a directional variogram (GSLIB angles, dip negative down); NaN
        otherwise [deg].
    transform : str
        Transform applied to the values before pairing.
    n_data : int
        Number of non-missing values used [-].
    variance : float
        Variance of the (transformed) values used [grade²].
    """

    lag_centre_m: NDArray[np.float64]
    lag_m: NDArray[np.float64]
    gamma: NDArray[np.float64]
    n_pairs: NDArray[np.int64]
    head_mean: NDArray[np.float64]
    tail_mean: NDArray[np.float64]
    kind: str
    azimuth: float = math.nan
    dip: float = math.nan
    transform: str = "raw"
    n_data: int = 0
    variance: float = math.nan

    @property
    def direction(self) -> NDArray[np.float64] | None:
        """Unit vector (east, north, up) of the direction, or None [-]."""
        if not (math.isfinite(self.azimuth) and math.isfinite(self.dip)):
            return None
        return rotation_matrix(self.azimuth, self.dip)[0]

    def to_frame(self) -> pd.DataFrame:
        """Table with one row per lag class."""
        return pd.DataFrame(
            {
                "lag_centre_m": self.lag_centre_m,
                "lag_m": self.lag_m,
                "gamma": self.gamma,
                "n_pairs": self.n_pairs,
                "head_mean": self.head_mean,
                "tail_mean": self.tail_mean,
            }
        )


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _pairs_kernel(
    X, z, lag, n_lags, lag_tol, u, uh, cos_atol, bandh, cos_dtol, bandv, directional
):  # pragma: no cover - compiled
    n = X.shape[0]
    nc = n_lags + 1
    sums = np.zeros(nc)
    cnt = np.zeros(nc, dtype=np.int64)
    hsum = np.zeros(nc)
    heads = np.zeros(nc)
    tails = np.zeros(nc)
    hmax = n_lags * lag + lag_tol
    hmax2 = hmax * hmax
    cd = math.sqrt(max(0.0, 1.0 - u[2] * u[2]))  # cos(dip)
    sd = u[2]
    for i in range(n):
        for j in range(i + 1, n):
            dx = X[j, 0] - X[i, 0]
            dy = X[j, 1] - X[i, 1]
            dz = X[j, 2] - X[i, 2]
            h2 = dx * dx + dy * dy + dz * dz
            if h2 > hmax2:
                continue
            h = math.sqrt(h2)
            if directional:
                # orient the pair forward along u
                if dx * u[0] + dy * u[1] + dz * u[2] < 0.0:
                    dx = -dx
                    dy = -dy
                    dz = -dz
                dxy = math.sqrt(dx * dx + dy * dy)
                along = dx * uh[0] + dy * uh[1]  # horizontal component along azimuth
                if dxy > 1e-12:
                    if abs(along) < dxy * cos_atol:
                        continue
                    if abs(dx * uh[1] - dy * uh[0]) > bandh:
                        continue
                if h > 1e-12:
                    if abs(dx * u[0] + dy * u[1] + dz * u[2]) < h * cos_dtol:
                        continue
                    if abs(cd * dz - sd * along) > bandv:
                        continue
            diff = z[j] - z[i]
            k0 = math.ceil((h - lag_tol) / lag)
            if k0 < 0:
                k0 = 0
            k1 = math.floor((h + lag_tol) / lag)
            if k1 > n_lags:
                k1 = n_lags
            for k in range(k0, k1 + 1):
                if abs(h - k * lag) <= lag_tol:
                    sums[k] += diff * diff
                    cnt[k] += 1
                    hsum[k] += h
                    heads[k] += z[j]
                    tails[k] += z[i]
    return sums, cnt, hsum, heads, tails


def _finish(
    sums, cnt, hsum, heads, tails, lag, n_lags, kind, az, dip, transform, zt
) -> ExperimentalVariogram:
    with np.errstate(invalid="ignore", divide="ignore"):
        nz = np.where(cnt > 0, cnt, 1)
        empty = cnt == 0
        gamma = np.where(empty, np.nan, sums / (2.0 * nz))
        lag_m = np.where(empty, np.nan, hsum / nz)
        head = np.where(empty, np.nan, heads / nz)
        tail = np.where(empty, np.nan, tails / nz)
    return ExperimentalVariogram(
        lag_centre_m=np.arange(n_lags + 1) * float(lag),
        lag_m=lag_m,
        gamma=gamma,
        n_pairs=cnt.astype(np.int64),
        head_mean=head,
        tail_mean=tail,
        kind=kind,
        azimuth=az,
        dip=dip,
        transform=transform,
        n_data=int(zt.size),
        variance=float(np.var(zt)) if zt.size else math.nan,
    )


def _check_lags(lag: float, n_lags: int, lag_tol: float | None) -> tuple[float, int, float]:
    lag = float(lag)
    n_lags = int(n_lags)
    if not (math.isfinite(lag) and lag > 0):
        raise ConfigError(f"lag {lag!r} must be a positive distance [m]")
    if n_lags < 1:
        raise ConfigError(f"n_lags {n_lags!r} must be ≥ 1")
    tol = 0.5 * lag if lag_tol is None else float(lag_tol)
    if not (math.isfinite(tol) and tol > 0):
        raise ConfigError(f"lag_tol {lag_tol!r} must be a positive distance [m]")
    return lag, n_lags, tol


def _coords(coords: ArrayLike) -> NDArray[np.float64]:
    X = np.asarray(coords, dtype=float)
    if X.ndim != 2 or X.shape[1] not in (2, 3):
        raise DataError(f"coordinates must be an (n, 3) or (n, 2) array, got {X.shape}")
    if X.shape[1] == 2:
        X = np.column_stack([X, np.zeros(len(X))])
    return np.ascontiguousarray(X)


def experimental_variogram(
    coords: ArrayLike,
    values: ArrayLike,
    *,
    lag: float,
    n_lags: int,
    lag_tol: float | None = None,
    azimuth: float | None = None,
    dip: float = 0.0,
    azimuth_tol: float = 22.5,
    dip_tol: float = 22.5,
    bandwidth_h: float = math.inf,
    bandwidth_v: float = math.inf,
    transform: Transform = "raw",
) -> ExperimentalVariogram:
    """Omnidirectional or directional experimental semivariogram (GSLIB ``gamv``).

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` (easting, northing, elevation) or ``(n, 2)`` [m].
    values : array_like
        Sample values; NaN are left out [grade].
    lag : float
        Lag spacing [m].
    n_lags : int
        Number of lag classes after the one at zero [-].
    lag_tol : float, optional
        Lag tolerance; default ``lag / 2`` [m].
    azimuth : float, optional
        Direction azimuth, clockwise from north; None for omnidirectional [deg].
    dip : float
        Direction dip, negative down [deg].
    azimuth_tol, dip_tol : float
        Half-angle tolerances in azimuth and dip [deg].
    bandwidth_h, bandwidth_v : float
        Horizontal and vertical bandwidths [m].
    transform : str
        ``"raw"``, ``"log"`` or ``"normal_score"``.

    Returns
    -------
    ExperimentalVariogram
        Classes ``0 … n_lags`` (see module docstring for the pairing rules).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.column_stack([np.arange(10.0), np.zeros(10), np.zeros(10)])
    >>> ev = experimental_variogram(x, np.arange(10.0), lag=1.0, n_lags=3, azimuth=90.0)
    >>> ev.gamma[1:].tolist(), ev.n_pairs[1:].tolist()
    ([0.5, 2.0, 4.5], [9, 8, 7])
    """
    lag, n_lags, tol = _check_lags(lag, n_lags, lag_tol)
    X = _coords(coords)
    z = transform_values(values, transform)
    if z.shape != (X.shape[0],):
        raise DataError(f"values shape {z.shape} does not match {X.shape[0]} coordinates")
    ok = np.isfinite(z) & np.all(np.isfinite(X), axis=1)
    X, zt = np.ascontiguousarray(X[ok]), np.ascontiguousarray(z[ok])
    directional = azimuth is not None
    if directional:
        u = rotation_matrix(float(azimuth), float(dip))[0]
        a = math.radians(float(azimuth))
        uh = np.array([math.sin(a), math.cos(a)])
        cos_atol = math.cos(math.radians(min(max(float(azimuth_tol), 0.0), 90.0)))
        cos_dtol = math.cos(math.radians(min(max(float(dip_tol), 0.0), 90.0)))
    else:
        u = np.zeros(3)
        uh = np.zeros(2)
        cos_atol = cos_dtol = 0.0
    res = _pairs_kernel(
        X,
        zt,
        lag,
        n_lags,
        tol,
        u,
        uh,
        cos_atol,
        float(bandwidth_h),
        cos_dtol,
        float(bandwidth_v),
        directional,
    )
    kind = "directional" if directional else "omnidirectional"
    az = float(azimuth) if directional else math.nan
    dp = float(dip) if directional else math.nan
    return _finish(*res, lag, n_lags, kind, az, dp, transform, zt)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _downhole_kernel(starts, depth, z, lag, n_lags, lag_tol):  # pragma: no cover
    nc = n_lags + 1
    sums = np.zeros(nc)
    cnt = np.zeros(nc, dtype=np.int64)
    hsum = np.zeros(nc)
    heads = np.zeros(nc)
    tails = np.zeros(nc)
    for g in range(starts.size - 1):
        for i in range(starts[g], starts[g + 1]):
            for j in range(i + 1, starts[g + 1]):
                h = abs(depth[j] - depth[i])
                diff = z[j] - z[i]
                k0 = max(0, math.ceil((h - lag_tol) / lag))
                k1 = min(n_lags, math.floor((h + lag_tol) / lag))
                for k in range(k0, k1 + 1):
                    if abs(h - k * lag) <= lag_tol:
                        sums[k] += diff * diff
                        cnt[k] += 1
                        hsum[k] += h
                        heads[k] += z[j]
                        tails[k] += z[i]
    return sums, cnt, hsum, heads, tails


def downhole_variogram(
    hole_id: ArrayLike,
    depth_m: ArrayLike,
    values: ArrayLike,
    *,
    lag: float,
    n_lags: int,
    lag_tol: float | None = None,
    transform: Transform = "raw",
) -> ExperimentalVariogram:
    """Downhole experimental semivariogram: pairs within a hole, lag along the hole.

    Parameters
    ----------
    hole_id : array_like
        Hole identifier per sample.
    depth_m : array_like
        Depth of the sample mid-point along the hole [m].
    values : array_like
        Sample values; NaN are left out [grade].
    lag, n_lags, lag_tol
        As in :func:`experimental_variogram` [m], [-], [m].
    transform : str
        ``"raw"``, ``"log"`` or ``"normal_score"`` (computed over all holes).

    Returns
    -------
    ExperimentalVariogram
        With ``kind = "downhole"`` and no direction.
    """
    lag, n_lags, tol = _check_lags(lag, n_lags, lag_tol)
    holes = np.asarray(hole_id)
    d = np.asarray(depth_m, dtype=float)
    z = transform_values(values, transform)
    if not (holes.shape == d.shape == z.shape) or z.ndim != 1:
        raise DataError("hole_id, depth_m and values must be 1-D and of equal length")
    ok = np.isfinite(z) & np.isfinite(d)
    codes, _ = pd.factorize(pd.Series(holes[ok]), sort=True)
    order = np.lexsort((d[ok], codes))
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).astype(np.int64)
    if codes.size == 0:
        starts = np.zeros(1, dtype=np.int64)
    zz = np.ascontiguousarray(z[ok][order])
    res = _downhole_kernel(starts, np.ascontiguousarray(d[ok][order]), zz, lag, n_lags, tol)
    return _finish(*res, lag, n_lags, "downhole", math.nan, math.nan, transform, zz)


@dataclass(frozen=True)
class VariogramMap:
    """A 2-D variogram map on a grid of horizontal lag vectors.

    Attributes
    ----------
    dx_m, dy_m : numpy.ndarray
        Cell-centre lags in easting ``(2 n_x + 1,)`` and northing ``(2 n_y + 1,)`` [m].
    gamma : numpy.ndarray
        ``(2 n_y + 1, 2 n_x + 1)`` semivariogram, row = northing lag (NaN if empty)
        [grade²].
    n_pairs : numpy.ndarray
        Pairs per cell (each pair counts at ``h`` and ``-h``) [-].
    transform : str
        Transform applied to the values.
    """

    dx_m: NDArray[np.float64]
    dy_m: NDArray[np.float64]
    gamma: NDArray[np.float64]
    n_pairs: NDArray[np.int64]
    transform: str = "raw"


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _map_kernel(X, z, lag_x, lag_y, n_x, n_y, max_dz):  # pragma: no cover
    n = X.shape[0]
    sums = np.zeros((2 * n_y + 1, 2 * n_x + 1))
    cnt = np.zeros((2 * n_y + 1, 2 * n_x + 1), dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            dz = X[j, 2] - X[i, 2]
            if abs(dz) > max_dz:
                continue
            ix = math.floor((X[j, 0] - X[i, 0]) / lag_x + 0.5)
            iy = math.floor((X[j, 1] - X[i, 1]) / lag_y + 0.5)
            if abs(ix) > n_x or abs(iy) > n_y:
                continue
            d2 = (z[j] - z[i]) ** 2
            sums[n_y + iy, n_x + ix] += d2
            cnt[n_y + iy, n_x + ix] += 1
            sums[n_y - iy, n_x - ix] += d2
            cnt[n_y - iy, n_x - ix] += 1
    return sums, cnt


def variogram_map(
    coords: ArrayLike,
    values: ArrayLike,
    *,
    lag_x: float,
    lag_y: float,
    n_x: int,
    n_y: int,
    max_dz: float = math.inf,
    transform: Transform = "raw",
) -> VariogramMap:
    """Variogram map in the horizontal plane (GSLIB ``varmap`` for scattered data).

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` or ``(n, 2)`` [m].
    values : array_like
        Sample values; NaN are left out [grade].
    lag_x, lag_y : float
        Cell size of the lag grid in easting and northing [m].
    n_x, n_y : int
        Number of cells each side of zero [-].
    max_dz : float
        Pairs with a larger elevation difference are ignored [m].
    transform : str
        ``"raw"``, ``"log"`` or ``"normal_score"``.

    Returns
    -------
    VariogramMap
        Symmetric map; a pair counts in the cell of ``h`` and of ``-h``.
    """
    X = _coords(coords)
    z = transform_values(values, transform)
    ok = np.isfinite(z) & np.all(np.isfinite(X), axis=1)
    if not (lag_x > 0 and lag_y > 0 and n_x >= 1 and n_y >= 1):
        raise ConfigError("variogram map needs lag_x, lag_y > 0 [m] and n_x, n_y ≥ 1")
    sums, cnt = _map_kernel(
        np.ascontiguousarray(X[ok]),
        np.ascontiguousarray(z[ok]),
        float(lag_x),
        float(lag_y),
        int(n_x),
        int(n_y),
        float(max_dz),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.where(cnt > 0, sums / (2.0 * np.maximum(cnt, 1)), np.nan)
    return VariogramMap(
        dx_m=np.arange(-n_x, n_x + 1) * float(lag_x),
        dy_m=np.arange(-n_y, n_y + 1) * float(lag_y),
        gamma=gamma,
        n_pairs=cnt,
        transform=transform,
    )


# ----------------------------------------------------------------------- fitting

_STRUCT_PARAMS = ("sill", "range_major", "range_semi", "range_minor", "azimuth", "dip", "rake")


def _parameter_names(model: VariogramModel) -> list[str]:
    names = ["nugget"]
    for k in range(1, len(model.structures) + 1):
        names += [f"{p}_{k}" for p in _STRUCT_PARAMS]
    return names


def _to_vector(model: VariogramModel) -> NDArray[np.float64]:
    vals = [model.nugget]
    for s in model.structures:
        vals += [s.sill, *s.ranges, *s.angles]
    return np.array(vals, dtype=float)


def _from_vector(template: VariogramModel, x: NDArray[np.float64]) -> VariogramModel:
    structs = []
    for k, s in enumerate(template.structures):
        o = 1 + 7 * k
        structs.append(
            Structure(
                kind=s.kind,
                sill=max(float(x[o]), 0.0),
                ranges=(float(x[o + 1]), float(x[o + 2]), float(x[o + 3])),
                angles=(float(x[o + 4]), float(x[o + 5]), float(x[o + 6])),
            )
        )
    return VariogramModel(nugget=max(float(x[0]), 0.0), structures=tuple(structs))


class VariogramFitter:
    """Weighted least-squares fit of a nested variogram model to experimental variograms.

    Scikit-learn style: parameters in ``__init__``, :meth:`fit` returns ``self``, learned
    attributes end in ``_``. Parameters are named ``nugget`` and, for structure ``k``
    (1-based), ``sill_k``, ``range_major_k``, ``range_semi_k``, ``range_minor_k``,
    ``azimuth_k``, ``dip_k``, ``rake_k``. Any of them can be fixed at its initial value.

    Each lag class of each experimental variogram is one observation at the lag vector
    ``lag_m · direction``; an omnidirectional or downhole variogram (no direction) is
    evaluated along each structure's major axis. When *no* input has a direction, the
    semi-major and minor ranges are tied to the major range (an isotropic fit).

    Parameters
    ----------
    initial : VariogramModel
        Starting model; it also fixes the number and kinds of structures.
    fixed : collection of str, optional
        Names of parameters held at their initial value. Default: all angles fixed
        (angles are rarely identifiable from a few directions); pass ``()`` to free them.
    weights : str
        ``"npairs_over_h2"`` (``N/h²``, default), ``"npairs"`` (``N``) or ``"equal"``.
    min_pairs : int
        Lag classes with fewer pairs are ignored [-].
    max_nfev : int
        Maximum function evaluations of ``scipy.optimize.least_squares`` [-].

    Attributes
    ----------
    model_ : VariogramModel
        Fitted model.
    cost_ : float
        Final weighted sum of squares / 2 [grade⁴].
    success_ : bool
        Whether the optimiser converged.
    parameters_ : dict of str to float
        Fitted values by parameter name.

    Examples
    --------
    >>> import numpy as np
    >>> true = VariogramModel(0.1, (Structure("spherical", 0.9, 50.0),))
    >>> lags = np.arange(1, 11) * 8.0
    >>> ev = ExperimentalVariogram(
    ...     lags, lags, true.gamma(np.c_[lags, 0 * lags, 0 * lags]),
    ...     np.full(10, 100), lags * 0, lags * 0, "omnidirectional")
    >>> start = VariogramModel(0.3, (Structure("spherical", 0.5, 20.0),))
    >>> fit = VariogramFitter(start).fit(ev)
    >>> round(fit.parameters_["range_major_1"], 3), round(fit.parameters_["nugget"], 3)
    (50.0, 0.1)
    """

    def __init__(
        self,
        initial: VariogramModel,
        *,
        fixed: Collection[str] | None = None,
        weights: Literal["npairs_over_h2", "npairs", "equal"] = "npairs_over_h2",
        min_pairs: int = 1,
        max_nfev: int = 2000,
    ) -> None:
        self.initial = initial
        self.fixed = fixed
        self.weights = weights
        self.min_pairs = min_pairs
        self.max_nfev = max_nfev

    def fit(
        self, experimental: ExperimentalVariogram | Sequence[ExperimentalVariogram]
    ) -> VariogramFitter:
        """Fit the model; returns ``self`` with ``model_``, ``cost_``, ``success_``.

        Parameters
        ----------
        experimental : ExperimentalVariogram or sequence of them
            The experimental variograms to fit jointly.

        Returns
        -------
        VariogramFitter
            ``self``.
        """
        evs = (
            [experimental]
            if isinstance(experimental, ExperimentalVariogram)
            else list(experimental)
        )
        if not evs:
            raise DataError("no experimental variogram to fit")
        if self.weights not in ("npairs_over_h2", "npairs", "equal"):
            raise ConfigError(
                f"weights {self.weights!r} is not 'npairs_over_h2', 'npairs' or 'equal'"
            )
        names = _parameter_names(self.initial)
        fixed = (
            {n for n in names if n.split("_")[0] in ("azimuth", "dip", "rake")}
            if self.fixed is None
            else set(self.fixed)
        )
        unknown = fixed - set(names)
        if unknown:
            raise ConfigError(
                f"fixed parameter(s) {sorted(unknown)} are not among {', '.join(names)}"
            )
        isotropic = all(ev.direction is None for ev in evs)
        tied: set[str] = set()
        if isotropic:
            for k in range(1, len(self.initial.structures) + 1):
                tied |= {f"range_semi_{k}", f"range_minor_{k}"}
        x0 = _to_vector(self.initial)
        free = [i for i, n in enumerate(names) if n not in fixed and n not in tied]

        # observations
        h_len, dirs, gam, w = [], [], [], []
        for ev in evs:
            use = (ev.n_pairs >= max(self.min_pairs, 1)) & np.isfinite(ev.gamma)
            use &= np.isfinite(ev.lag_m) & (ev.lag_m > 0)
            d = ev.direction
            for hl, g, npair in zip(ev.lag_m[use], ev.gamma[use], ev.n_pairs[use], strict=True):
                h_len.append(hl)
                dirs.append(d)
                gam.append(g)
                if self.weights == "npairs_over_h2":
                    w.append(npair / hl**2)
                elif self.weights == "npairs":
                    w.append(float(npair))
                else:
                    w.append(1.0)
        if len(gam) < len(free):
            raise DataError(
                f"{len(gam)} usable lag classes for {len(free)} free parameters; "
                "use more lags or fix parameters"
            )
        h_len_a = np.asarray(h_len)
        gam_a = np.asarray(gam)
        sw = np.sqrt(np.asarray(w) / np.max(w))
        has_dir = np.array([d is not None for d in dirs])
        dir_vecs = np.array([d if d is not None else np.zeros(3) for d in dirs])
        lag_vecs = dir_vecs * h_len_a[:, None]

        def build(xf: NDArray[np.float64]) -> NDArray[np.float64]:
            x = x0.copy()
            x[free] = xf
            if isotropic:
                for k in range(len(self.initial.structures)):
                    o = 1 + 7 * k
                    x[o + 2] = x[o + 1]
                    x[o + 3] = x[o + 1]
            return x

        def model_gamma(x: NDArray[np.float64]) -> NDArray[np.float64]:
            out = np.full(gam_a.shape, x[0])
            for k, s in enumerate(self.initial.structures):
                o = 1 + 7 * k
                sill, ranges, angles = x[o], x[o + 1 : o + 4], x[o + 4 : o + 7]
                r = np.empty_like(h_len_a)
                if has_dir.any():
                    A = rotation_matrix(*angles) / ranges[:, None]
                    r[has_dir] = np.linalg.norm(lag_vecs[has_dir] @ A.T, axis=1)
                r[~has_dir] = h_len_a[~has_dir] / ranges[0]
                out = out + sill * unit_variogram(s.kind, r)
            return out

        def resid(xf: NDArray[np.float64]) -> NDArray[np.float64]:
            return sw * (model_gamma(build(xf)) - gam_a)

        lo = np.full(x0.shape, -np.inf)
        hi = np.full(x0.shape, np.inf)
        for i, n in enumerate(names):
            if n == "nugget" or n.startswith("sill_"):
                lo[i] = 0.0
            elif n.startswith("range_"):
                lo[i] = 1e-6 * max(float(np.max(h_len_a)), 1.0)
            elif n.startswith(("azimuth_", "dip_", "rake_")):
                lo[i], hi[i] = -360.0, 360.0
        xf0 = np.clip(x0[free], lo[free] + 1e-12, hi[free])
        if free:
            sol = optimize.least_squares(
                resid,
                xf0,
                bounds=(lo[free], hi[free]),
                x_scale="jac",
                max_nfev=self.max_nfev,
                method="trf",
                ftol=1e-12,
                xtol=1e-12,
                gtol=1e-12,
            )
            x_best, cost, ok = build(sol.x), float(sol.cost), bool(sol.success)
        else:
            x_best = build(xf0)
            cost, ok = float(0.5 * np.sum(resid(xf0) ** 2)), True
        self.model_ = _from_vector(self.initial, x_best)
        self.cost_ = cost
        self.success_ = ok
        self.parameters_ = dict(zip(names, (float(v) for v in x_best), strict=True))
        self.n_observations_ = len(gam)
        return self
