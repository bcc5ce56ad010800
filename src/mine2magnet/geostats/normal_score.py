"""Normal-score transform with declustering weights, tails and back transform.

The conventions are those of GSLIB ``nscore``/``backtr`` (Deutsch & Journel, 1998,
§VI.2.1 and §V.1.6), written from the published description:

* the data (with declustering weights) define a step cumulative distribution; each
  distinct value takes the score ``Φ⁻¹(p)`` with ``p`` the mid-point of its step
  (tied values share one score, as :func:`~mine2magnet.geostats.variogram.normal_scores`);
* the back transform interpolates **linearly in score space** between the table points
  ``(score_k, value_k)``, so it is monotone and returns the data value exactly at a data
  score;
* below the first table point (``p < p_1``) the lower tail runs to ``zmin``:
  ``z = zmin + (z_1 - zmin) (p / p_1)^ω`` (``lower_tail="linear"`` is ``ω = 1``,
  ``"power"`` uses ``lower_omega``);
* above the last table point (``p > p_K``) the upper tail is either GSLIB's
  ``"hyperbolic"`` ``z = z_K ((1 - p_K) / (1 - p))^(1/ω)`` (``ω = upper_omega ≥ 1``; the
  tail has a finite mean for ``ω > 1``; needs ``z_K > 0``) or ``"linear"``/``"power"``
  to ``zmax``: ``z = z_K + (zmax - z_K) ((p - p_K) / (1 - p_K))^ω``.

The forward transform of values that are not data interpolates the same curve the other
way, so ``transform`` and ``inverse_transform`` are inverses of each other.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from mine2magnet.errors import ConfigError, DataError

__all__ = ["NormalScoreTransform"]

_PCLIP = 1e-12


class NormalScoreTransform:
    """Fitted normal-score transform (GSLIB ``nscore``) and back transform (``backtr``).

    Parameters
    ----------
    lower_tail : {"linear", "power"}
        Lower-tail model between ``zmin`` and the smallest datum.
    lower_omega : float
        Power of the lower tail (``"power"`` only; ``< 1`` makes low values rarer) [-].
    zmin : float, optional
        Smallest value of the back transform; default ``0`` if all data are ≥ 0, else the
        smallest datum [grade].
    upper_tail : {"hyperbolic", "linear", "power"}
        Upper-tail model beyond the largest datum. The default is ``"linear"`` to
        ``zmax`` (bounded, GSLIB ``utail=1``); the hyperbolic tail is unbounded and with
        ``ω = 1.5`` can return tens of times the largest datum for scores beyond 4.
    upper_omega : float
        Hyperbolic exponent ``ω ≥ 1`` (GSLIB default 1.5) or the power of ``"power"`` [-].
    zmax : float, optional
        Largest value for ``"linear"``/``"power"`` upper tails; default the largest datum
        plus its distance to the median [grade].

    Attributes
    ----------
    values_ : numpy.ndarray
        Distinct data values, increasing [grade].
    cdf_ : numpy.ndarray
        Mid-step cumulative probability of each value [-].
    scores_ : numpy.ndarray
        Normal score of each value [-].
    zmin_, zmax_ : float
        Tail limits used (``zmax_`` is inf for the hyperbolic tail) [grade].
    mean_, variance_ : float
        Declustered mean and variance of the data [grade], [grade²].

    Examples
    --------
    >>> import numpy as np
    >>> nst = NormalScoreTransform().fit([1.0, 2.0, 4.0, 8.0])
    >>> y = nst.transform([1.0, 2.0, 4.0, 8.0])
    >>> np.allclose(nst.inverse_transform(y), [1.0, 2.0, 4.0, 8.0])
    True
    """

    def __init__(
        self,
        *,
        lower_tail: Literal["linear", "power"] = "linear",
        lower_omega: float = 1.0,
        zmin: float | None = None,
        upper_tail: Literal["hyperbolic", "linear", "power"] = "linear",
        upper_omega: float = 1.5,
        zmax: float | None = None,
    ) -> None:
        self.lower_tail = lower_tail
        self.lower_omega = lower_omega
        self.zmin = zmin
        self.upper_tail = upper_tail
        self.upper_omega = upper_omega
        self.zmax = zmax

    # ------------------------------------------------------------------ fit
    def fit(self, values: ArrayLike, weights: ArrayLike | None = None) -> NormalScoreTransform:
        """Build the transform table from data and declustering weights.

        Parameters
        ----------
        values : array_like
            Data values; NaN are left out [grade].
        weights : array_like, optional
            Declustering weights (relative, ≥ 0) [-].

        Returns
        -------
        NormalScoreTransform
            ``self``.
        """
        if self.lower_tail not in ("linear", "power"):
            raise ConfigError(f"lower_tail {self.lower_tail!r} is not 'linear' or 'power'")
        if self.upper_tail not in ("hyperbolic", "linear", "power"):
            raise ConfigError(
                f"upper_tail {self.upper_tail!r} is not 'hyperbolic', 'linear' or 'power'"
            )
        if not (math.isfinite(self.lower_omega) and self.lower_omega > 0):
            raise ConfigError(f"lower_omega {self.lower_omega!r} must be > 0")
        if (
            not math.isfinite(self.upper_omega)
            or self.upper_omega <= 0
            or (self.upper_tail == "hyperbolic" and self.upper_omega < 1.0)
        ):
            raise ConfigError(
                f"upper_omega {self.upper_omega!r} must be > 0 (≥ 1 for the hyperbolic tail)"
            )
        z = np.asarray(values, dtype=float).reshape(-1)
        w = np.ones(z.shape) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if w.shape != z.shape:
            raise DataError(f"{w.size} weights for {z.size} values in the normal-score fit")
        ok = np.isfinite(z) & np.isfinite(w)
        if np.any(w[ok] < 0):
            raise DataError("normal-score weights must be ≥ 0")
        z, w = z[ok], w[ok]
        if z.size == 0 or w.sum() <= 0:
            raise DataError("normal-score fit needs at least one value with a positive weight")
        uniq, inv = np.unique(z, return_inverse=True)
        wsum = np.bincount(inv, weights=w, minlength=uniq.size)
        keep = wsum > 0
        uniq, wsum = uniq[keep], wsum[keep]
        total = wsum.sum()
        cdf = (np.cumsum(wsum) - 0.5 * wsum) / total
        self.values_ = uniq
        self.cdf_ = cdf
        self.scores_ = special.ndtri(np.clip(cdf, _PCLIP, 1 - _PCLIP))
        self.mean_ = float(np.sum(wsum * uniq) / total)
        self.variance_ = float(np.sum(wsum * (uniq - self.mean_) ** 2) / total)
        lo, hi = float(uniq[0]), float(uniq[-1])
        zmin = (0.0 if lo >= 0 else lo) if self.zmin is None else float(self.zmin)
        if zmin > lo:
            raise ConfigError(f"zmin {zmin} is above the smallest datum {lo}; lower it")
        self.zmin_ = zmin
        if self.upper_tail == "hyperbolic":
            if hi <= 0:
                raise ConfigError("the hyperbolic upper tail needs a positive largest datum")
            self.zmax_ = math.inf
        else:
            med = float(np.interp(0.5, cdf, uniq))
            zmax = hi + max(hi - med, 1e-12) if self.zmax is None else float(self.zmax)
            if zmax < hi:
                raise ConfigError(f"zmax {zmax} is below the largest datum {hi}; raise it")
            self.zmax_ = zmax
        return self

    def _check(self) -> None:
        if not hasattr(self, "values_"):
            raise ConfigError("NormalScoreTransform is not fitted; call fit(values, weights)")

    # ------------------------------------------------------------ transform
    def transform(self, values: ArrayLike) -> NDArray[np.float64]:
        """Normal scores of values (exact table scores at data values).

        Parameters
        ----------
        values : array_like
            Values [grade]; NaN stays NaN.

        Returns
        -------
        numpy.ndarray
            Normal scores [-].
        """
        self._check()
        z = np.asarray(values, dtype=float)
        out = np.full(z.shape, np.nan)
        ok = np.isfinite(z)
        zo = z[ok]
        v, s, c = self.values_, self.scores_, self.cdf_
        y = np.interp(zo, v, s)
        lo = zo < v[0]
        if lo.any():
            span = v[0] - self.zmin_
            frac = np.clip((zo[lo] - self.zmin_) / span, 0.0, 1.0) if span > 0 else 0.0 * zo[lo]
            p = c[0] * frac ** (1.0 / self.lower_omega_eff)
            y[lo] = special.ndtri(np.clip(p, _PCLIP, 1 - _PCLIP))
        hi = zo > v[-1]
        if hi.any():
            pk = c[-1]
            if self.upper_tail == "hyperbolic":
                p = 1.0 - (1.0 - pk) * (v[-1] / zo[hi]) ** self.upper_omega
            else:
                frac = np.clip((zo[hi] - v[-1]) / max(self.zmax_ - v[-1], 1e-300), 0.0, 1.0)
                p = pk + (1.0 - pk) * frac ** (1.0 / self._upper_power)
            y[hi] = special.ndtri(np.clip(p, _PCLIP, 1 - _PCLIP))
        out[ok] = y
        return out

    @property
    def lower_omega_eff(self) -> float:
        """Exponent of the lower tail actually used (1 for ``"linear"``) [-]."""
        return 1.0 if self.lower_tail == "linear" else float(self.lower_omega)

    @property
    def _upper_power(self) -> float:
        return 1.0 if self.upper_tail == "linear" else float(self.upper_omega)

    def inverse_transform(self, scores: ArrayLike) -> NDArray[np.float64]:
        """Back transform normal scores to values (GSLIB ``backtr``).

        Parameters
        ----------
        scores : array_like
            Normal scores [-]; NaN stays NaN.

        Returns
        -------
        numpy.ndarray
            Values, monotone non-decreasing in the scores [grade].
        """
        self._check()
        y = np.asarray(scores, dtype=float)
        out = np.full(y.shape, np.nan)
        ok = np.isfinite(y)
        yo = y[ok]
        v, s, c = self.values_, self.scores_, self.cdf_
        z = np.interp(yo, s, v)
        lo = yo < s[0]
        if lo.any():
            p = special.ndtr(yo[lo])
            frac = np.clip(p / c[0], 0.0, 1.0) ** self.lower_omega_eff
            z[lo] = self.zmin_ + (v[0] - self.zmin_) * frac
        hi = yo > s[-1]
        if hi.any():
            pk = c[-1]
            q = np.maximum(special.ndtr(-yo[hi]), 1e-300)  # 1 - p without cancellation
            if self.upper_tail == "hyperbolic":
                z[hi] = v[-1] * np.maximum((1.0 - pk) / q, 1.0) ** (1.0 / self.upper_omega)
            else:
                frac = np.clip((1.0 - q - pk) / (1.0 - pk), 0.0, 1.0)
                z[hi] = v[-1] + (self.zmax_ - v[-1]) * frac**self._upper_power
        out[ok] = z
        return out
