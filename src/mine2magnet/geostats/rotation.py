"""Anisotropy rotations in the GSLIB convention (azimuth, dip, rake).

The three angles orient an ellipsoid with a *major*, *semi-major* and *minor* axis.
They are the ``ang1``, ``ang2``, ``ang3`` of GSLIB (Deutsch & Journel, 1998, GSLIB 2nd
ed., §II.3 and subroutine ``setrot``), written here from that published definition:

``azimuth`` (ang1) [deg]
    Direction of the horizontal projection of the major axis, clockwise from north
    (the +northing axis). ``azimuth = 90`` points the major axis east.
``dip`` (ang2) [deg]
    Angle of the major axis from the horizontal, measured in the vertical plane that
    contains it. GSLIB sign convention: **negative is down** ("measured in negative
    degrees down from horizontal"), so ``dip = -30`` plunges the major axis 30° below
    the horizontal towards ``azimuth``; ``dip = +30`` raises it. This is the same sign as
    survey dips in mine2magnet (``dip_deg`` negative down).
``rake`` (ang3) [deg]
    Rotation of the semi-major and minor axes about the major axis, right-handed about
    the major axis as oriented by ``azimuth`` and ``dip`` (seen from the origin looking
    along the major axis, a positive rake turns the other two axes *clockwise*). At
    ``rake = 0`` the semi-major axis is horizontal and points 90° to the left of the
    major axis seen from above (``azimuth - 90``), and the minor axis lies in the
    vertical plane of the major axis, upward; a positive rake lifts the semi-major axis
    upward out of the horizontal plane.

In unit vectors (east, north, up), with ``a = azimuth``, ``d = dip``, ``r = rake``::

    major     m  = ( sin a cos d,  cos a cos d,  sin d)
    s0 = (-cos a, sin a, 0)                      horizontal, left of the major axis
    u0 = m × s0 = (-sin a sin d, -cos a sin d, cos d)
    semi      s  =  cos r · s0 + sin r · u0
    minor     n  = -sin r · s0 + cos r · u0

:func:`rotation_matrix` has these three vectors as its rows, so ``R @ h`` gives the
components of a lag vector ``h`` along (major, semi-major, minor). This is exactly the
matrix of GSLIB ``setrot`` before its anisotropy scaling; :func:`anisotropy_matrix`
divides each row by its range, so that ``|A @ h| = 1`` on the range ellipsoid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mine2magnet.errors import ConfigError

__all__ = [
    "anisotropic_distance",
    "anisotropy_matrix",
    "axis_vectors",
    "rotation_matrix",
]


def rotation_matrix(azimuth: float, dip: float = 0.0, rake: float = 0.0) -> NDArray[np.float64]:
    """Orthonormal matrix whose rows are the major, semi-major and minor axes.

    Parameters
    ----------
    azimuth : float
        Azimuth of the major axis, clockwise from north (GSLIB ang1) [deg].
    dip : float
        Dip of the major axis, negative downward (GSLIB ang2) [deg].
    rake : float
        Rotation of the other axes about the major axis (GSLIB ang3) [deg].

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` matrix ``R``; ``R @ [easting, northing, elevation]`` gives the
        coordinates along the (major, semi-major, minor) axes [m].

    Examples
    --------
    >>> import numpy as np
    >>> np.round(rotation_matrix(90.0)[0], 12)  # azimuth 90: major axis points east
    array([1., 0., 0.])
    >>> np.round(rotation_matrix(0.0, -90.0)[0], 12)  # dip -90: straight down
    array([ 0.,  0., -1.])
    """
    a, d, r = np.deg2rad([float(azimuth), float(dip), float(rake)])
    sa, ca, sd, cd, sr, cr = np.sin(a), np.cos(a), np.sin(d), np.cos(d), np.sin(r), np.cos(r)
    major = np.array([sa * cd, ca * cd, sd])
    s0 = np.array([-ca, sa, 0.0])
    u0 = np.array([-sa * sd, -ca * sd, cd])
    semi = cr * s0 + sr * u0
    minor = -sr * s0 + cr * u0
    return np.vstack([major, semi, minor])


def axis_vectors(
    azimuth: float, dip: float = 0.0, rake: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Unit vectors (east, north, up) of the major, semi-major and minor axes.

    Parameters
    ----------
    azimuth, dip, rake : float
        GSLIB angles, see :func:`rotation_matrix` [deg].

    Returns
    -------
    tuple of numpy.ndarray
        ``(major, semi_major, minor)``, each of shape ``(3,)`` [-].
    """
    R = rotation_matrix(azimuth, dip, rake)
    return R[0].copy(), R[1].copy(), R[2].copy()


def _check_ranges(ranges: Sequence[float] | ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(ranges, dtype=float).reshape(-1)
    if arr.size == 1:
        arr = np.repeat(arr, 3)
    if arr.size != 3 or not np.all(np.isfinite(arr)) or np.any(arr <= 0.0):
        raise ConfigError(
            f"ranges {list(np.atleast_1d(ranges))!r} must be three positive finite lengths "
            "(major, semi-major, minor) [m]; give e.g. ranges = [120, 60, 15]"
        )
    return arr


def anisotropy_matrix(
    ranges: Sequence[float] | ArrayLike,
    azimuth: float = 0.0,
    dip: float = 0.0,
    rake: float = 0.0,
) -> NDArray[np.float64]:
    """Matrix that maps a lag vector to range-normalised, rotated coordinates.

    Parameters
    ----------
    ranges : sequence of float
        Ranges (or search radii) along the major, semi-major and minor axes; a single
        number means isotropic [m].
    azimuth, dip, rake : float
        GSLIB angles, see :func:`rotation_matrix` [deg].

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` matrix ``A = diag(1/ranges) @ R``; ``|A @ h| = 1`` exactly on the
        ellipsoid with those ranges [1/m].

    Examples
    --------
    >>> import numpy as np
    >>> A = anisotropy_matrix([100.0, 50.0, 10.0], azimuth=90.0)
    >>> float(np.linalg.norm(A @ [100.0, 0.0, 0.0]))  # 100 m east = one major range
    1.0
    >>> float(np.linalg.norm(A @ [0.0, 50.0, 0.0]))  # 50 m north = one semi range
    1.0
    """
    rng = _check_ranges(ranges)
    return rotation_matrix(azimuth, dip, rake) / rng[:, None]


def anisotropic_distance(
    lags: ArrayLike,
    ranges: Sequence[float] | ArrayLike,
    azimuth: float = 0.0,
    dip: float = 0.0,
    rake: float = 0.0,
) -> NDArray[np.float64]:
    """Range-normalised anisotropic length of lag vectors.

    Parameters
    ----------
    lags : array_like
        Lag vectors ``(..., 3)`` as (easting, northing, elevation) differences [m].
    ranges : sequence of float
        Major, semi-major and minor ranges [m].
    azimuth, dip, rake : float
        GSLIB angles, see :func:`rotation_matrix` [deg].

    Returns
    -------
    numpy.ndarray
        Lengths of shape ``lags.shape[:-1]``; 1 on the range ellipsoid [-].
    """
    h = np.asarray(lags, dtype=float)
    if h.shape[-1] != 3:
        raise ValueError(f"lags must have a last axis of length 3, got shape {h.shape}")
    A = anisotropy_matrix(ranges, azimuth, dip, rake)
    return np.linalg.norm(h @ A.T, axis=-1)
