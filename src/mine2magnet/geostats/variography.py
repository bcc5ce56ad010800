"""Variography of a domain: experimental variograms along a model's axes, model curves, fit.

The three directions are the major, semi-major and minor axes of the orientation given
by GSLIB angles (azimuth, dip, rake; :func:`~mine2magnet.geostats.axis_vectors`); each
axis is turned into the (azimuth, dip) of a GSLIB ``gamv`` direction, and a downhole
variogram is added. :func:`fit_axis_model` is the procedure used to fit the demo's
models, written out so it can be repeated:

1. the nugget is fitted to the downhole variogram (one spherical structure, free sill);
2. one structure with sill = variance − nugget (both held) and the three ranges fitted by
   weighted least squares (:class:`~mine2magnet.geostats.VariogramFitter`, weights
   ``N/h²``) to the three directional variograms, angles held.

Holding the total sill at the data variance keeps the fit from running off to huge
sills and ranges where the experimental variogram keeps rising (a trend).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mine2magnet.geostats.rotation import axis_vectors
from mine2magnet.geostats.variogram import (
    ExperimentalVariogram,
    Structure,
    VariogramFitter,
    VariogramModel,
    downhole_variogram,
    experimental_variogram,
)

__all__ = ["AXES", "axis_direction", "axis_variograms", "fit_axis_model", "model_curves"]

AXES: tuple[str, ...] = ("major", "semi_major", "minor")
"""Names of the three axes, in GSLIB order."""


def axis_direction(vector: ArrayLike) -> tuple[float, float]:
    """GSLIB (azimuth, dip) of a line with unit vector (east, north, up).

    The line is taken pointing downward or horizontal (dip ≤ 0), as ``gamv`` directions
    are lines.

    Parameters
    ----------
    vector : array_like
        Direction (east, north, up) [-].

    Returns
    -------
    tuple of float
        Azimuth clockwise from north in [0, 360) and dip (negative down) [deg].

    Examples
    --------
    >>> axis_direction([0.0, 0.6, 0.8])  # rising to the north = plunging to the south
    (180.0, -53.13)
    """
    v = np.asarray(vector, dtype=float).ravel()
    v = v / np.linalg.norm(v)
    if v[2] > 0:
        v = -v
    az = math.degrees(math.atan2(v[0], v[1])) % 360.0
    dip = math.degrees(math.asin(max(-1.0, min(1.0, v[2]))))
    if abs(v[0]) < 1e-12 and abs(v[1]) < 1e-12:
        az = 0.0
    return round(az, 2) % 360.0, round(dip, 2) + 0.0


def axis_variograms(
    coords: ArrayLike,
    values: ArrayLike,
    *,
    angles: Sequence[float],
    lags_m: Sequence[float],
    n_lags: int = 12,
    angle_tol_deg: float = 22.5,
    bandwidth_m: float = 30.0,
    hole_id: ArrayLike | None = None,
    depth_m: ArrayLike | None = None,
    downhole_lag_m: float = 2.0,
    downhole_n_lags: int = 15,
) -> dict[str, ExperimentalVariogram]:
    """Experimental variograms along the major, semi-major and minor axes (and downhole).

    Parameters
    ----------
    coords : array_like
        Sample coordinates ``(n, 3)`` [m].
    values : array_like
        Sample values; NaN left out [grade].
    angles : sequence of float
        Azimuth, dip, rake of the axes (GSLIB) [deg].
    lags_m : sequence of float
        Lag spacing along each axis [m].
    n_lags : int
        Lag classes per direction [-].
    angle_tol_deg : float
        Azimuth and dip tolerance [deg].
    bandwidth_m : float
        Horizontal and vertical bandwidth [m].
    hole_id, depth_m : array_like, optional
        Hole and along-hole depth per sample; with both, a downhole variogram is added.
    downhole_lag_m : float
        Downhole lag [m].
    downhole_n_lags : int
        Downhole lag classes [-].

    Returns
    -------
    dict of str to ExperimentalVariogram
        Keys ``major``, ``semi_major``, ``minor`` (and ``downhole``).
    """
    out: dict[str, ExperimentalVariogram] = {}
    for name, vec, lag in zip(AXES, axis_vectors(*angles), lags_m, strict=True):
        az, dip = axis_direction(vec)
        out[name] = experimental_variogram(
            coords, values, lag=float(lag), n_lags=int(n_lags), azimuth=az, dip=dip,
            azimuth_tol=angle_tol_deg, dip_tol=angle_tol_deg,
            bandwidth_h=bandwidth_m, bandwidth_v=bandwidth_m,
        )  # fmt: skip
    if hole_id is not None and depth_m is not None:
        out["downhole"] = downhole_variogram(
            hole_id, depth_m, values, lag=float(downhole_lag_m), n_lags=int(downhole_n_lags)
        )
    return out


def model_curves(
    model: VariogramModel,
    angles: Sequence[float],
    max_lag_m: Sequence[float],
    n_points: int = 100,
) -> pd.DataFrame:
    """The model's variogram along the three axes of an orientation.

    Parameters
    ----------
    model : VariogramModel
        Variogram model.
    angles : sequence of float
        Azimuth, dip, rake of the axes (usually the model's own) [deg].
    max_lag_m : sequence of float
        Largest lag per axis [m].
    n_points : int
        Points per curve [-].

    Returns
    -------
    pandas.DataFrame
        ``direction``, ``azimuth_deg``, ``dip_deg``, ``lag_m`` and ``gamma`` [grade²].
    """
    rows = []
    for name, vec, hmax in zip(AXES, axis_vectors(*angles), max_lag_m, strict=True):
        az, dip = axis_direction(vec)
        h = np.linspace(0.0, float(hmax), n_points)
        g = model.gamma(h[:, None] * np.asarray(vec)[None, :])
        rows.append(
            pd.DataFrame(
                {"direction": name, "azimuth_deg": az, "dip_deg": dip, "lag_m": h, "gamma": g}
            )
        )
    return pd.concat(rows, ignore_index=True)


def fit_axis_model(
    variograms: dict[str, ExperimentalVariogram],
    *,
    angles: Sequence[float],
    variance: float,
    kind: str = "spherical",
    initial_ranges: Sequence[float] = (100.0, 60.0, 20.0),
    min_pairs: int = 30,
) -> VariogramModel:
    """Fit nugget + one structure to axis variograms (see module docstring).

    Parameters
    ----------
    variograms : dict of str to ExperimentalVariogram
        From :func:`axis_variograms`; ``downhole`` gives the nugget when present
        (otherwise the nugget is fitted with the ranges).
    angles : sequence of float
        Azimuth, dip, rake of the structure (held) [deg].
    variance : float
        Total sill (the variance of the data) [grade²].
    kind : str
        Structure kind.
    initial_ranges : sequence of float
        Starting ranges (major, semi-major, minor) [m].
    min_pairs : int
        Lag classes with fewer pairs are ignored [-].

    Returns
    -------
    VariogramModel
        Nugget + one structure whose sills add up to ``variance``.
    """
    angle_names = ["azimuth_1", "dip_1", "rake_1"]
    if "downhole" in variograms:
        dh = variograms["downhole"]
        start = VariogramModel(0.2 * variance, (Structure("spherical", 0.8 * variance, 20.0),))
        nug = VariogramFitter(start, min_pairs=min_pairs).fit(dh).model_.nugget
        nug = min(nug, 0.95 * variance)
        fixed = ["nugget", "sill_1", *angle_names]
    else:
        nug = 0.2 * variance
        fixed = ["sill_1", *angle_names]
    init = VariogramModel(
        nug, (Structure(kind, variance - nug, tuple(initial_ranges), tuple(angles)),)
    )
    evs = [variograms[a] for a in AXES if a in variograms]
    fit = VariogramFitter(init, fixed=fixed, min_pairs=min_pairs).fit(evs)
    m = fit.model_
    if "downhole" not in variograms:  # keep the total sill at the variance
        s = m.structures[0]
        m = VariogramModel(
            m.nugget, (Structure(s.kind, max(variance - m.nugget, 0.0), s.ranges, s.angles),)
        )
    return m
